import fc from 'fast-check';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableFileSink } from './durableFileSink.ts';

const dir = fs.mkdtempSync(path.join(tmpdir(), 'bulkport-sink-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes `chunks` through a sink with small batch and writeback sizes; returns the file's bytes. */
async function writeThrough(chunks: Buffer[], batchBytes: number, writebackBytes: number): Promise<{ file: Buffer; bytes: number }> {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.bin`);
  const fh = await fsp.open(file, 'wx');
  try {
    const sink = new DurableFileSink(fh, writebackBytes, batchBytes);
    await pipeline(Readable.from(chunks), sink);
    await sink.sync();
    return { file: await fsp.readFile(file), bytes: sink.bytes };
  } finally {
    await fh.close();
  }
}

describe('DurableFileSink', () => {
  it('should write every chunk in order, whatever the chunk, batch and writeback sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 3000 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 1, max: 20_000 }),
        async (arrays, batchBytes, writebackBytes) => {
          const chunks = arrays.map((a) => Buffer.from(a));
          const { file, bytes } = await writeThrough(chunks, batchBytes, writebackBytes);
          expect(file.equals(Buffer.concat(chunks))).toBe(true);
          expect(bytes).toBe(file.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('should fail the pipeline when the file cannot be written, instead of reporting it complete', async () => {
    const file = path.join(dir, 'read-only.bin');
    await fsp.writeFile(file, '');
    const fh = await fsp.open(file, 'r'); // a handle the sink cannot write through
    try {
      const sink = new DurableFileSink(fh, 1024, 1024);
      await expect(pipeline(Readable.from([Buffer.alloc(4096)]), sink)).rejects.toThrow();
    } finally {
      await fh.close();
    }
  });
});
