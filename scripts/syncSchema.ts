/**
 * `npm run schema:sync`: writes the parts of schema.graphql that are generated from the code
 * (today: enum RowErrorCode, from src/entities/rowErrorCodes.ts). Run it after changing that list;
 * src/entities/rowErrorCodes.test.ts fails until you do.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rowErrorCodeEnumSdl } from '../src/entities/rowErrorCodes.ts';

const file = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const sdl = fs.readFileSync(file, 'utf8');
const block = /enum RowErrorCode \{[^}]*\}/;
const next = block.test(sdl) ? sdl.replace(block, rowErrorCodeEnumSdl()) : sdl.replace(/(type RowError \{)/, `${rowErrorCodeEnumSdl()}\n\n$1`);
if (next !== sdl) {
  fs.writeFileSync(file, next);
  console.log('schema.graphql: enum RowErrorCode updated');
} else {
  console.log('schema.graphql is up to date');
}
