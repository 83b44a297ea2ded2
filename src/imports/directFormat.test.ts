import { describe, expect, it } from 'vitest';
import { BINARY_HEADER } from '../db/copyBinary.ts';
import { contacts } from '../entities/contacts.ts';
import type { CellValue } from '../entities/entityDefinition.ts';
import { invoices } from '../entities/invoices.ts';
import { ChunkBuffer } from './chunkBuffer.ts';
import { CopyBuffer } from './copyBuffer.ts';

const TARGET = { workspaceId: '0b4c6c1e-8a55-4c1f-9e39-4f2f3f0d7a11', jobId: '6a1f0c3e-2b7d-4b8e-a1c2-9d3e4f5a6b7c' };

/** Contacts rows with every kind of value COPY text must escape, NULLs, empty arrays and non-ASCII. */
const CONTACT_ROWS: CellValue[][] = [
  ['a@example.com', 'Ann', '', null, null, []],
  ['b@example.com', 'Tab\there', 'Back\\slash', '+1\n555', 'Carriage\rreturn', ['vip', 'be"ta', 'x\\y', 'tab\tin tag']],
  ['c@example.com', 'Zoë 😀', 'Ñandú', '٣٤٥', '株式会社', ['ü', '']],
  ['d@example.com', 'x'.repeat(5000), 'L', '1', 'C', Array.from({ length: 50 }, (_, i) => `t${i}`)],
];

const INVOICE_ROWS: CellValue[][] = [['INV-1', 'a@example.com', 'Tab\tName', '12.50', 'EUR', '2026-01-31', 'paid']];

function chunk(direct: boolean, entity = contacts, rows = CONTACT_ROWS): ChunkBuffer {
  const c = new ChunkBuffer(entity, new CopyBuffer(16), 0, 2, direct ? TARGET : null);
  rows.forEach((values, i) => c.addValid(2 + i, values, false));
  return c;
}

describe('the direct format', () => {
  it('should be binary COPY for contacts (text and text[] columns only) and text for invoices (numeric, date)', () => {
    expect(chunk(true).directFormat!.copyOptions).toBe(' WITH (FORMAT binary)');
    expect(chunk(true, invoices, []).directFormat!.copyOptions).toBe('');
  });

  it('should turn into exactly the staging lines the staging format writes, when the direct insert is refused', () => {
    const staged = chunk(false).stagingRows().toString();
    expect(staged.split('\n')).toHaveLength(CONTACT_ROWS.length + 1);
    expect(chunk(true).stagingRows().toString()).toBe(staged);
  });

  it('should count a chunk in the same bytes whatever its format (a restage cuts the same chunks)', () => {
    expect(chunk(true).bytes).toBe(chunk(false).bytes);
    expect(chunk(true).bytes).toBe(chunk(false).stagingRows().length);
    expect(chunk(true, invoices, INVOICE_ROWS).bytes).toBe(chunk(false, invoices, INVOICE_ROWS).stagingRows().length);
  });

  it('should count and turn back exactly, for random text of every kind of character', () => {
    // Escaped characters, quotes and commas (array literals), non-ASCII, astral and lone surrogates, NUL.
    const alphabet = ['a', 'Z', '0', ' ', '\\', '"', ',', '\t', '\n', '\r', '{', 'é', '€', '😀', '\ud800', '\u0000'];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const text = () => Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join('');
    const rows = Array.from({ length: 500 }, (_, i): CellValue[] => [
      `r${i}@example.com`,
      text(),
      text(),
      random(4) === 0 ? null : text(),
      text(),
      Array.from({ length: random(4) }, text),
    ]);
    const staged = chunk(false, contacts, rows);
    const direct = chunk(true, contacts, rows);
    expect(direct.bytes).toBe(staged.stagingRows().length);
    // Lone surrogates become U+FFFD on the way to UTF-8, in both formats alike.
    expect(direct.stagingRows().toString()).toBe(staged.stagingRows().toString());
  });

  it('should write one binary tuple per row: field count, two uuids, the row number, then the cells', () => {
    const c = chunk(true, contacts, [['a@example.com', 'Ann', '', null, null, []]]);
    const rows = c.directRows();
    expect(rows.readInt16BE(0)).toBe(9);
    expect(rows.readInt32BE(2)).toBe(16);
    expect(rows.subarray(6, 22).toString('hex')).toBe(TARGET.workspaceId.replace(/-/g, ''));
    expect(rows.readInt32BE(42)).toBe(4);
    expect(rows.readInt32BE(46)).toBe(2); // import_row
    expect(rows.readInt32BE(50)).toBe(13); // 'a@example.com'
    const sent = Buffer.concat(c.directFormat!.copyData(rows));
    expect(sent.subarray(0, BINARY_HEADER.length)).toEqual(BINARY_HEADER);
    expect(sent.readInt16BE(sent.length - 2)).toBe(-1);
  });

  it('should survive the hand-over from a parse thread', () => {
    const original = chunk(true);
    const copy = ChunkBuffer.fromData(contacts, structuredClone(original.toData()));
    expect(copy.directRows()).toEqual(original.directRows());
    expect(copy.directFormat!.copyOptions).toBe(original.directFormat!.copyOptions);
    expect(copy.stagingRows().toString()).toBe(chunk(false).stagingRows().toString());
  });
});
