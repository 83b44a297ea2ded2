import { parseArgs } from 'node:util';
import { createToken, type TokenRole } from './auth/tokens.ts';
import { loadConfig } from './config.ts';
import { startEmbeddedPostgres } from './db/embeddedPostgres.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { createPrisma } from './db/prisma.ts';

const USAGE = `usage: npm run --silent cli -- token create --workspace <name> [--role member|support]`;

/** Command-line administration. Prints only the requested value on stdout (scriptable). */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { workspace: { type: 'string' }, role: { type: 'string', default: 'member' }, help: { type: 'boolean' } },
  });
  if (values.help || positionals[0] !== 'token' || positionals[1] !== 'create' || !values.workspace) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  if (values.role !== 'member' && values.role !== 'support') {
    console.error(`--role must be member or support\n${USAGE}`);
    process.exit(2);
  }
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
  const pool = createPool(config.databaseUrl ?? embedded!.url, 2);
  try {
    await migrate(pool);
    const prisma = createPrisma(pool);
    const token = await createToken(prisma, values.workspace, values.role as TokenRole);
    process.stdout.write(`${token}\n`);
    await prisma.$disconnect();
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}

main().catch((err) => {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
});
