/**
 * The command line: `npm run --silent cli -- <command> …`, also the package's bin (`npx bulkport <command> …`).
 * A dispatcher only: each command group lives in its own file and is loaded on demand, so that the
 * partner commands (src/client/, public API only) never load the server's code or its database driver.
 */
interface CommandGroup {
  run(argv: string[]): Promise<number>;
}

const GROUPS: Record<string, { summary: string; load: () => Promise<CommandGroup> }> = {
  import: {
    summary: 'upload a CSV file to a running Bulkport and follow the import to its end',
    load: () => import('./client/importCommand.ts'),
  },
  export: {
    summary: 'export an entity from a running Bulkport and save the file',
    load: () => import('./client/exportCommand.ts'),
  },
  token: {
    summary: 'operator: create, list and revoke API tokens (opens the database)',
    load: () => import('./cli/tokenCommand.ts'),
  },
  workspace: {
    summary: "operator: set and show a workspace's limits and usage (opens the database)",
    load: () => import('./cli/workspaceCommand.ts'),
  },
};

const USAGE = `usage: bulkport <command> [options]      (from the repository: npm run --silent cli -- <command> …)

commands:
${Object.entries(GROUPS)
  .map(([name, g]) => `  ${name.padEnd(10)}${g.summary}`)
  .join('\n')}

Run 'bulkport <command> --help' for a command's options.
Exit codes: 0 success; 1 error (bad usage, unreachable server, refused token, FAILED or CANCELLED job);
            2 an import finished with failed rows.`;

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return name ? 0 : 1;
  }
  const group = GROUPS[name];
  if (!group) {
    process.stderr.write(`error: unknown command '${name}'\n${USAGE}\n`);
    return 1;
  }
  return (await group.load()).run(rest);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
