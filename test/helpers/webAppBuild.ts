import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The browser tests drive the built web app (web/dist) that the real server serves: build it when
 * its sources are newer than the build (a no-op after npm install on an untouched checkout).
 * Once per run, here, so that two test files never build into the same folder at once.
 */
export default function setup(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'web/ensureBuilt.mjs')], { stdio: 'inherit', cwd: ROOT });
}
