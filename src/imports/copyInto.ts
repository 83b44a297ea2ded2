import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Runs `COPY … FROM STDIN` with the given COPY text (nothing at all for empty data). */
export async function copyInto(db: pg.ClientBase, sql: string, data: Buffer | string): Promise<void> {
  if (data.length === 0) return;
  await pipeline(Readable.from([data]), db.query(copyFrom(sql)));
}
