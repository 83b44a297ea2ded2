#!/usr/bin/env node
// Builds the web app (web/dist) unless it is already built from the current sources.
// Run by `npm install`/`npm ci` (prepare), before `npm start` (prestart) and before the browser tests,
// so `npm install && npm start` serves the app with no further step.
//   node web/ensureBuilt.mjs           build when web/dist is missing or older than its inputs
//   node web/ensureBuilt.mjs --force   always build
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(webDir);
const stamp = path.join(webDir, 'dist', '.built');

/** Newest modification time among the build's inputs: web/ (but dist) and the lock file. */
function newestInput() {
  let newest = fs.statSync(path.join(rootDir, 'package-lock.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      // The build's output, and tests, which do not change what is built.
      if ((entry.name === 'dist' && dir === webDir) || /\.test\.tsx?$/.test(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  walk(webDir);
  return newest;
}

function isFresh() {
  try {
    return fs.statSync(stamp).mtimeMs >= Math.floor(newestInput()); // file times have sub-millisecond parts a Date drops
  } catch {
    return false;
  }
}

if (!process.argv.includes('--force') && isFresh()) process.exit(0);

const started = Date.now();
const inputsAsOfStart = newestInput();
console.log('[bulkport] building the web app (web/dist)…');
// A production build whatever the caller runs under (vitest sets NODE_ENV=test, and Vite would
// then bundle React's development build).
process.env.NODE_ENV = 'production';
const { build } = await import('vite');
await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: 'warn' });
// Stamped with the inputs' time as the build started: a file saved during the build is newer, so it rebuilds next time.
fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
fs.utimesSync(stamp, new Date(), new Date(Math.ceil(inputsAsOfStart)));
console.log(`[bulkport] web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
