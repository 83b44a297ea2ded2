import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyOutStream } from '../../src/exports/copyOutStream.ts';
import { FormulaGuard } from '../../src/exports/exportStreams.ts';
import { ADMIN_URL } from '../helpers/testDatabase.ts';

/** Runs one COPY through a CopyOutStream and collects what it wrote. */
async function copyOut(client: pg.Client, stream: CopyOutStream): Promise<string> {
  const out: Buffer[] = [];
  await pipeline(
    client.query(stream),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out.push(chunk);
        cb();
      },
    }),
  );
  return Buffer.concat(out).toString();
}

describe('CopyOutStream against a real PostgreSQL', () => {
  let client: pg.Client;
  beforeAll(async () => {
    // Only temporary objects: the server's own database is never changed.
    client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  it('should stream every row of a large COPY, count them, and leave the connection ready for the next query', async () => {
    const stream = new CopyOutStream(`COPY (SELECT i, 'row ' || i FROM generate_series(1, 200000) i) TO STDOUT WITH (FORMAT csv, HEADER true)`);
    const text = await copyOut(client, stream);
    const expected = ['i,?column?', ...Array.from({ length: 200000 }, (_, k) => `${k + 1},row ${k + 1}`)].join('\n') + '\n';
    expect(text).toBe(expected);
    expect(stream.rows).toBe(200001);
    expect(stream.rowCount).toBe(200000);
    expect((await client.query('SELECT 42 AS n')).rows).toEqual([{ n: 42 }]);
  });

  it('should skip notices the server sends between rows', async () => {
    await client.query(`CREATE OR REPLACE FUNCTION pg_temp.noisy(i int) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN IF i % 500 = 0 THEN RAISE NOTICE 'at %', i; END IF; RETURN i; END $$`);
    const stream = new CopyOutStream(`COPY (SELECT pg_temp.noisy(i) FROM generate_series(1, 2000) i) TO STDOUT`);
    const text = await copyOut(client, stream);
    expect(text).toBe(Array.from({ length: 2000 }, (_, k) => `${k + 1}\n`).join(''));
    expect((await client.query('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
  });

  it("should fail with the server's error when the COPY fails half-way, and leave the connection usable", async () => {
    const stream = new CopyOutStream(`COPY (SELECT 1 / (i - 150000) FROM generate_series(1, 200000) i) TO STDOUT`);
    await expect(copyOut(client, stream)).rejects.toThrow(/division by zero/);
    expect((await client.query('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
  });

  it('should write the rows through its payload filter', async () => {
    const stream = new CopyOutStream(`COPY (SELECT '=1+2' AS a, '-x,y' AS b) TO STDOUT WITH (FORMAT csv, HEADER true)`, new FormulaGuard());
    expect(await copyOut(client, stream)).toBe(`a,b\n'=1+2,"'-x,y"\n`);
  });
});
