import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { CsvCellGuard, excelCompatible } from './exportStreams.ts';

async function through(t: NodeJS.ReadWriteStream, input: string, pieceSize: number): Promise<string> {
  const pieces: Buffer[] = [];
  const bytes = Buffer.from(input);
  for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(pieces).pipe(t)) out.push(chunk as Buffer);
  return Buffer.concat(out).toString();
}

describe('export streams', () => {
  const csv = 'a,b,c\n=1+2,"-3,4",ok\n"@x","""=q""",+5\n"\ttab",\r-,""\n"multi\nline",=,last\n';

  it('should prefix every formula-starting cell, quoted or not, wherever the stream is split', async () => {
    for (const size of [1, 2, 3, 7, 1000]) {
      const guard = new CsvCellGuard();
      const out = await through(guard, csv, size);
      expect(parse(out)).toEqual([
        ['a', 'b', 'c'],
        ["'=1+2", "'-3,4", 'ok'],
        ["'@x", '"=q"', "'+5"],
        ["'\ttab", "'\r-", ''],
        ['multi\nline', "'=", 'last'],
      ]);
      expect(guard.records).toBe(5);
    }
  });

  it('should guard exactly as a plain cell-by-cell reading of the whole text does, wherever the stream is split', async () => {
    const alphabet = fc.constantFrom('a', 'é', ',', '\n', '"', '=', '+', '-', '@', '\t', '\r', "'");
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), async (chars, pieceSize) => {
        const text = chars.join('');
        const guard = new CsvCellGuard();
        expect(await through(guard, text, pieceSize)).toBe(referenceGuard(text).text);
        expect(guard.records).toBe(referenceGuard(text).records);
      }),
      { numRuns: 2000 },
    );
  });

  it('should end records with CRLF for Excel but keep line breaks inside quoted cells', async () => {
    const out = await through(excelCompatible(), 'a,b\n"x\ny",z\n', 2);
    expect(out).toBe('\uFEFFa,b\r\n"x\ny",z\r\n');
  });
});

/** The guard's rule read literally: quote state, field starts, and the character after an opening quote. */
function referenceGuard(text: string): { text: string; records: number } {
  let out = '';
  let records = 0;
  let inQuotes = false;
  let fieldStart = true;
  let afterOpeningQuote = false;
  for (const c of text) {
    if (fieldStart) {
      fieldStart = false;
      if (c === '"') {
        inQuotes = afterOpeningQuote = true;
        out += c;
        continue;
      }
      if ('=+-@\t\r'.includes(c)) out += "'";
    } else if (afterOpeningQuote) {
      afterOpeningQuote = false;
      if ('=+-@\t\r'.includes(c)) {
        out += "'" + c;
        continue;
      }
    }
    out += c;
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === ',' || c === '\n')) {
      fieldStart = true;
      if (c === '\n') records++;
    }
  }
  return { text: out, records };
}
