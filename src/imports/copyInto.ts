import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Runs `COPY … FROM STDIN` with the given data, text or pieces sent in turn (nothing at all for empty text). */
export async function copyInto(db: pg.ClientBase, sql: string, data: Buffer | string | Buffer[]): Promise<void> {
  if (data.length === 0) return;
  await pipeline(Readable.from(Array.isArray(data) ? data : [data]), db.query(copyFrom(sql)));
}
