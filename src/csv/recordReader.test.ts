import { parse as parseWhole } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readCsv, type CsvRecord, type ReadCsvOptions } from './recordReader.ts';

type Chunk = Buffer | Uint8Array | string;

async function* fromChunks(chunks: Chunk[]): AsyncGenerator<Chunk> {
  for (const chunk of chunks) yield chunk;
}

async function readBatches(input: string | Chunk[], options?: ReadCsvOptions): Promise<CsvRecord[][]> {
  const batches: CsvRecord[][] = [];
  for await (const batch of readCsv(fromChunks(typeof input === 'string' ? [input] : input), options)) {
    batches.push(batch);
  }
  return batches;
}

async function readAll(input: string | Chunk[], options?: ReadCsvOptions): Promise<CsvRecord[]> {
  return (await readBatches(input, options)).flat();
}

function oneBytePerChunk(text: string | Buffer): Buffer[] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return Array.from(bytes, (byte) => Buffer.from([byte]));
}

function ok(row: number, ...fields: string[]): CsvRecord {
  return { row, fields };
}

// mulberry32: a tiny seeded PRNG so a failing case can be replayed.
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('readCsv on well-formed input', () => {
  it('should yield the header as row 1 and data records from row 2', async () => {
    expect(await readAll('email,name\na@x.com,Ann\nb@x.com,Bob\n')).toEqual([ok(1, 'email', 'name'), ok(2, 'a@x.com', 'Ann'), ok(3, 'b@x.com', 'Bob')]);
  });

  it('should end records at CRLF, at a lone CR, and at a mix of both', async () => {
    const expected = [ok(1, 'a', 'b'), ok(2, '1', '2'), ok(3, '3', '4')];
    expect(await readAll('a,b\r\n1,2\r\n3,4\r\n')).toEqual(expected);
    expect(await readAll('a,b\r1,2\r3,4\r')).toEqual(expected);
    expect(await readAll('a,b\r\n1,2\r3,4\n')).toEqual(expected);
  });

  it('should not see a blank line when a CRLF is split across two chunks', async () => {
    expect(await readAll(['a,b\r', '\n1,2\r', '\n', '3,4'])).toEqual([ok(1, 'a', 'b'), ok(2, '1', '2'), ok(3, '3', '4')]);
  });

  it('should strip a UTF-8 BOM from bytes, from a string, and when the BOM is split across chunks', async () => {
    const expected = [ok(1, 'email', 'name'), ok(2, 'a@x.com', 'Zoë')];
    const text = '\uFEFFemail,name\na@x.com,Zoë\n';
    expect(await readAll([Buffer.from(text)])).toEqual(expected);
    expect(await readAll(text)).toEqual(expected);
    expect(await readAll(oneBytePerChunk(text))).toEqual(expected);
  });

  it('should keep a BOM that is not at the very start of the input', async () => {
    expect(await readAll('a,b\n\uFEFFx,y\n')).toEqual([ok(1, 'a', 'b'), ok(2, '\uFEFFx', 'y')]);
  });

  it('should read delimiters, escaped quotes and line breaks inside quoted fields', async () => {
    const text = 'name,note\n"Smith, Jr.","say ""hi"""\n"","a,""b"",c"\n';
    expect(await readAll(text)).toEqual([ok(1, 'name', 'note'), ok(2, 'Smith, Jr.', 'say "hi"'), ok(3, '', 'a,"b",c')]);
  });

  it('should count a record with quoted line breaks as one row', async () => {
    const text = 'name,address\nAnn,"1 Main St\nSpringfield\r\nUSA"\nBob,"x\ry"\nCid,z\n';
    expect(await readAll(text)).toEqual([ok(1, 'name', 'address'), ok(2, 'Ann', '1 Main St\nSpringfield\r\nUSA'), ok(3, 'Bob', 'x\ry'), ok(4, 'Cid', 'z')]);
  });

  it('should accept a quote inside an unquoted field literally, as Excel writes it', async () => {
    expect(await readAll('item,size\nTV,55" screen\n x "y",z\n')).toEqual([ok(1, 'item', 'size'), ok(2, 'TV', '55" screen'), ok(3, ' x "y"', 'z')]);
  });

  it('should keep empty fields, including a trailing one', async () => {
    expect(await readAll('a,b,c\n,,\n1,,\n,"",3')).toEqual([ok(1, 'a', 'b', 'c'), ok(2, '', '', ''), ok(3, '1', '', ''), ok(4, '', '', '3')]);
  });

  it('should skip blank lines but give each of them a row number', async () => {
    const expected = [ok(1, 'a', 'b'), ok(3, '1', '2'), ok(6, '3', '4')];
    expect(await readAll('a,b\n\n1,2\n\n\n3,4\n')).toEqual(expected);
    expect(await readAll('a,b\r\n\r\n1,2\r\n\r\n\r\n3,4\r\n')).toEqual(expected);
    expect(await readAll('a,b\r\r1,2\r\r\r3,4\r')).toEqual(expected);
  });

  it('should number the header by its line when blank lines precede it', async () => {
    expect(await readAll('\n\r\na,b\n1,2\n')).toEqual([ok(3, 'a', 'b'), ok(4, '1', '2')]);
  });

  it('should treat a whitespace-only line as a record, not a blank line', async () => {
    expect(await readAll('a,b\n  \n1,2\n')).toEqual([ok(1, 'a', 'b'), { row: 2, malformed: 'expected 2 fields, found 1', raw: '  ' }, ok(3, '1', '2')]);
  });

  it('should read the last record the same with or without a trailing line break', async () => {
    const expected = [ok(1, 'a', 'b'), ok(2, '1', '2')];
    expect(await readAll('a,b\n1,2')).toEqual(expected);
    expect(await readAll('a,b\n1,2\n')).toEqual(expected);
    expect(await readAll('a,b\n1,2\r\n')).toEqual(expected);
    expect(await readAll('a,b\n1,"2"')).toEqual(expected);
  });

  it('should yield only the header for a header-only file', async () => {
    expect(await readAll('email,name\n')).toEqual([ok(1, 'email', 'name')]);
    expect(await readAll('email,name')).toEqual([ok(1, 'email', 'name')]);
  });

  it('should yield nothing for empty input, blank lines only, or a lone BOM', async () => {
    expect(await readBatches([])).toEqual([]);
    expect(await readBatches('')).toEqual([]);
    expect(await readBatches('\n\r\n\r')).toEqual([]);
    expect(await readBatches([Buffer.from([0xef, 0xbb, 0xbf])])).toEqual([]);
  });

  it('should read a semicolon-delimited file', async () => {
    expect(await readAll('a;b\n"x;y";z\n1,5;2\n', { delimiter: ';' })).toEqual([ok(1, 'a', 'b'), ok(2, 'x;y', 'z'), ok(3, '1,5', '2')]);
  });

  it('should accept string chunks and byte chunks in one stream', async () => {
    expect(await readAll(['a,', Buffer.from('b\n1'), new Uint8Array([0x2c, 0x32]), '\n'])).toEqual([ok(1, 'a', 'b'), ok(2, '1', '2')]);
  });
});

describe('readCsv on malformed records', () => {
  it('should report a record with the wrong field count and read the rows around it', async () => {
    expect(await readAll('a,b,c\n1,2,3\n4,5,6,7,8\n9,10\n11,12,13\n')).toEqual([
      ok(1, 'a', 'b', 'c'),
      ok(2, '1', '2', '3'),
      { row: 3, malformed: 'expected 3 fields, found 5', raw: '4,5,6,7,8' },
      { row: 4, malformed: 'expected 3 fields, found 2', raw: '9,10' },
      ok(5, '11', '12', '13'),
    ]);
  });

  it('should report only the first line of an unterminated quote and parse the following lines as rows', async () => {
    const text = 'email,first,last\na@x.com,"Bob,Smith\nb@x.com,Ann,Lee\nc@x.com,Cid,Poe\n';
    const expected = [
      ok(1, 'email', 'first', 'last'),
      { row: 2, malformed: 'unterminated quoted field', raw: 'a@x.com,"Bob,Smith' },
      ok(3, 'b@x.com', 'Ann', 'Lee'),
      ok(4, 'c@x.com', 'Cid', 'Poe'),
    ];
    expect(await readAll(text)).toEqual(expected);
    expect(await readAll(oneBytePerChunk(text))).toEqual(expected);
  });

  it('should recover when a stray quote is closed by a quote on a later line', async () => {
    // The stray quote pairs with the opening quote of row 4, which makes one record ending in `x"y`.
    const text = 'a,b,c\n1,"2,3\n4,5,6\n"x"y,8,9\n10,11,12\n';
    expect(await readAll(text)).toEqual([
      ok(1, 'a', 'b', 'c'),
      { row: 2, malformed: 'unexpected character after closing quote', raw: '1,"2,3' },
      ok(3, '4', '5', '6'),
      { row: 4, malformed: 'unexpected character after closing quote', raw: '"x"y,8,9' },
      ok(5, '10', '11', '12'),
    ]);
  });

  it('should report a multi-line record with the wrong field count as its first line and resume at the next line', async () => {
    // The quote closes properly, but the field count says the quote was misplaced.
    expect(await readAll('a,b,c\n1,"x\n2",3,4\n5,6,7\n')).toEqual([
      ok(1, 'a', 'b', 'c'),
      { row: 2, malformed: 'expected 3 fields, found 4', raw: '1,"x' },
      ok(3, '2"', '3', '4'),
      ok(4, '5', '6', '7'),
    ]);
  });

  it('should report an unterminated quote on the last line, with or without a trailing line break', async () => {
    const expected = [ok(1, 'a', 'b'), ok(2, '1', '2'), { row: 3, malformed: 'unterminated quoted field', raw: '3,"four' }];
    expect(await readAll('a,b\n1,2\n3,"four\n')).toEqual(expected);
    expect(await readAll('a,b\n1,2\n3,"four')).toEqual(expected);
    expect(await readAll('a,b\n1,2\n3,"four\nfive')).toEqual([...expected, { row: 4, malformed: 'expected 2 fields, found 1', raw: 'five' }]);
  });

  it('should report a character after a closing quote and read the next row', async () => {
    expect(await readAll('a,b\n"x"y,1\n"p" ,2\n3,4\n')).toEqual([
      ok(1, 'a', 'b'),
      { row: 2, malformed: 'unexpected character after closing quote', raw: '"x"y,1' },
      { row: 3, malformed: 'unexpected character after closing quote', raw: '"p" ,2' },
      ok(4, '3', '4'),
    ]);
  });

  it('should report a record longer than maxRecordBytes and read the next row', async () => {
    const long = 'x'.repeat(60);
    expect(await readAll(`a,b\n${long},1\n2,3\n`, { maxRecordBytes: 50 })).toEqual([
      ok(1, 'a', 'b'),
      { row: 2, malformed: 'record longer than 50 bytes', raw: `${long},1` },
      ok(3, '2', '3'),
    ]);
  });

  it('should measure maxRecordBytes in UTF-8 bytes, not characters', async () => {
    // 30 'é' are 30 characters but 60 bytes.
    const records = await readAll(`a,b\n${'e'.repeat(30)},1\n${'é'.repeat(30)},2\n`, { maxRecordBytes: 50 });
    expect(records.map((r) => ('fields' in r ? 'ok' : r.malformed))).toEqual(['ok', 'ok', 'record longer than 50 bytes']);
  });

  it('should give up on an unterminated quote after maxRecordBytes without reading to the end of the input', async () => {
    const lines = ['a,b\n', '1,"never closed\n', ...Array.from({ length: 2000 }, (_, i) => `${i},x\n`)];
    const chunks = lines.join('').match(/[\s\S]{1,100}/g)!;
    let chunksRead = 0;
    async function* source() {
      for (const chunk of chunks) {
        chunksRead++;
        yield chunk;
      }
    }
    let readWhenReported = -1;
    const records: CsvRecord[] = [];
    for await (const batch of readCsv(source(), { maxRecordBytes: 1000 })) {
      if (readWhenReported < 0 && batch.some((r) => 'malformed' in r)) readWhenReported = chunksRead;
      records.push(...batch);
    }
    expect(readWhenReported).toBeGreaterThan(0);
    expect(readWhenReported).toBeLessThanOrEqual(13); // 1000 bytes + what one 100-byte chunk adds
    expect(records[1]).toEqual({ row: 2, malformed: 'quoted field not closed within 1000 bytes', raw: '1,"never closed' });
    expect(records.slice(2)).toEqual(Array.from({ length: 2000 }, (_, i) => ok(i + 3, String(i), 'x')));
  });

  it('should drop the rest of an over-long line that has no line break yet, and read the next line', async () => {
    const long = 'y'.repeat(5000);
    const chunks = `a,b\n${long}\n1,2\n`.match(/[\s\S]{1,64}/g)!;
    const records = await readAll(chunks, { maxRecordBytes: 300 });
    expect(records).toEqual([ok(1, 'a', 'b'), { row: 2, malformed: 'record longer than 300 bytes', raw: 'y'.repeat(200) }, ok(3, '1', '2')]);
  });

  it('should truncate raw to 200 characters without splitting a surrogate pair', async () => {
    const line = `${'x'.repeat(199)}😀${'z'.repeat(50)}`;
    const [, bad] = await readAll(`a,b\n${line}\n`);
    expect(bad).toEqual({ row: 2, malformed: 'expected 2 fields, found 1', raw: 'x'.repeat(199) });
  });

  it('should yield a malformed header and stop, since no row can be checked without it', async () => {
    expect(await readAll('"a"b,c\n1,2\n')).toEqual([{ row: 1, malformed: 'unexpected character after closing quote', raw: '"a"b,c' }]);
  });

  it('should reject an invalid delimiter or maxRecordBytes when called', () => {
    const source = fromChunks([]);
    expect(() => readCsv(source, { delimiter: ';;' })).toThrow(RangeError);
    expect(() => readCsv(source, { delimiter: '"' })).toThrow(RangeError);
    expect(() => readCsv(source, { maxRecordBytes: 0 })).toThrow(RangeError);
  });
});

describe('readCsv on encodings and chunking', () => {
  it('should decode multi-byte characters split across chunks, even one byte per chunk', async () => {
    const text = 'name,city\nZoë,Łódź\n"José, 日本",😀🎉\n';
    const expected = [ok(1, 'name', 'city'), ok(2, 'Zoë', 'Łódź'), ok(3, 'José, 日本', '😀🎉')];
    expect(await readAll(text)).toEqual(expected);
    expect(await readAll(oneBytePerChunk(text))).toEqual(expected);
  });

  it('should turn invalid UTF-8 into U+FFFD, including a truncated character at the end', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\nx'), Buffer.from([0xff]), Buffer.from(',y\n1,'), Buffer.from([0xe2, 0x82])]);
    expect(await readAll([bytes])).toEqual([ok(1, 'a', 'b'), ok(2, 'x\uFFFD', 'y'), ok(3, '1', '\uFFFD')]);
    expect(await readAll(oneBytePerChunk(bytes))).toEqual([ok(1, 'a', 'b'), ok(2, 'x\uFFFD', 'y'), ok(3, '1', '\uFFFD')]);
  });

  it('should yield about one batch per chunk and never an empty batch', async () => {
    const batches = await readBatches(['a,b\n1,2\n', '3,4\n5', ',6\n', '7', ',8']);
    expect(batches.every((batch) => batch.length > 0)).toBe(true);
    expect(batches.map((batch) => batch.map((r) => r.row))).toEqual([[1, 2], [3], [4], [5]]);
  });

  it('should give the same records as csv-parse on generated files split at random chunk boundaries', async () => {
    const random = seededRandom(20240611);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const pieces = ['ab', 'Zoë', 'Łukasz', '日本', '😀', ' ', ',', ';', '"', '""', '\n', '\r\n', '\r', 'x1', '', '-'] as const;
    const fieldText = (): string => Array.from({ length: Math.floor(random() * 4) }, () => pick(pieces)).join('');
    const encode = (value: string): string => (/[",\r\n]/.test(value) || random() < 0.2 ? `"${value.replaceAll('"', '""')}"` : value);

    for (let file = 0; file < 300; file++) {
      const columns = 2 + Math.floor(random() * 5);
      const lineBreak = pick(['\n', '\r\n', '\r']);
      const rows = Array.from({ length: 1 + Math.floor(random() * 25) }, () => Array.from({ length: columns }, () => encode(fieldText())).join(','));
      const text = (random() < 0.2 ? '\uFEFF' : '') + rows.join(lineBreak) + (random() < 0.5 ? lineBreak : '');
      const expected = (parseWhole(text, { bom: true, record_delimiter: lineBreak }) as string[][]).map((fields, i) => ok(i + 1, ...fields));

      const bytes = Buffer.from(text);
      const cuts = Array.from({ length: Math.floor(random() * 8) }, () => Math.floor(random() * bytes.length)).sort((x, y) => x - y);
      const byteChunks = [0, ...cuts].map((from, i) => bytes.subarray(from, i < cuts.length ? cuts[i] : bytes.length));
      const stringChunks = [0, ...cuts].map((from, i) => text.slice(from, i < cuts.length ? cuts[i] : undefined));

      expect(await readAll(byteChunks), `file ${file}: ${JSON.stringify(text)}`).toEqual(expected);
      expect(await readAll(stringChunks), `file ${file} as strings`).toEqual(expected);
      if (file % 10 === 0) expect(await readAll(oneBytePerChunk(bytes)), `file ${file} byte by byte`).toEqual(expected);
    }
  });
});
