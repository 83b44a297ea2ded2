import { describe, expect, it } from 'vitest';
import { contacts } from '../entities/contacts.ts';
import { ChunkBuffer } from './chunkBuffer.ts';
import { CopyBuffer } from './copyBuffer.ts';

const TARGET = { workspaceId: '11111111-1111-1111-1111-111111111111', jobId: '22222222-2222-2222-2222-222222222222' };
const values = (n: number) => [`p${n}@example.com`, `First\t${n}`, 'Last', null, 'Acme', ['a', 'b']];

function filled(direct: boolean): ChunkBuffer {
  const c = new ChunkBuffer(contacts, new CopyBuffer(64), 3, 10, direct ? TARGET : null);
  c.addValid(10, values(10), false);
  c.addValid(11, values(11), true); // deferred
  c.addRejected(12, [{ row: 12, column: 'email', code: 'INVALID_EMAIL', message: 'not an email', value: 'x' }], 10);
  c.addValid(13, values(13), false);
  c.bytesRead = 4096;
  c.errorsDropped = true;
  return c;
}

describe('a chunk handed over as data (from a parse thread)', () => {
  for (const direct of [true, false]) {
    it(`should give the stage task the same rows, errors and counts (${direct ? 'direct' : 'staging'} format)`, () => {
      const original = filled(direct);
      // What postMessage does to it: a structured clone.
      const copy = ChunkBuffer.fromData(contacts, structuredClone(original.toData()));
      for (const c of [original, copy]) expect(c.stagingRows().toString()).toContain('\\t');
      expect(copy.stagingRows().toString()).toBe(original.stagingRows().toString());
      expect(copy.deferredRows()).toBe(original.deferredRows());
      expect(copy.errsCopy.join('')).toBe(original.errsCopy.join(''));
      if (direct) expect(copy.directRows().toString()).toBe(original.directRows().toString());
      const fields = [
        'chunk',
        'fromRow',
        'toRow',
        'rowCount',
        'rejectedCount',
        'deferredCount',
        'undeferredCount',
        'bytesRead',
        'errorsDropped',
        'direct',
      ] as const;
      for (const f of fields) expect(copy[f], f).toEqual(original[f]);
      expect(copy).toMatchObject({ rowCount: 4, rejectedCount: 1, deferredCount: 1, toRow: 13, direct });
    });
  }

  it('should own its rows: the parser reusing its buffer changes nothing in a chunk handed over', () => {
    const buffer = new CopyBuffer(64);
    const first = new ChunkBuffer(contacts, buffer, 0, 2, TARGET);
    first.addValid(2, values(2), false);
    const data = first.toData();
    const before = Buffer.from(data.rows).toString();
    const next = new ChunkBuffer(contacts, buffer, 1, 3, TARGET); // resets and overwrites the same buffer
    next.addValid(3, values(3), false);
    expect(ChunkBuffer.fromData(contacts, data).directRows().toString()).toBe(before);
  });
});
