#!/usr/bin/env node
// The package's bin (`npx bulkport …`). Bulkport ships TypeScript sources, not a build: register tsx's
// loader in this process (no child process, so Ctrl-C and exit codes reach the CLI directly) and run
// the same entry as `npm run cli`. tsx resolves from this file's package, so it works from any directory.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
