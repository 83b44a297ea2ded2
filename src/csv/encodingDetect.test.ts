import { isUtf8 } from 'node:buffer';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { oneBytePerChunk, randomChunks, seededRandom } from '../../test/helpers/seededRandom.ts';
import { EncodingDetector, EncodingSniffer, Utf8Validator } from './encodingDetect.ts';

const NAMES = 'email,first_name,last_name\nm@example.com,Jürgen,Müller\nn@example.com,Ñúñez,Zoë\ne@example.com,Euro,€ 5\n';

function detect(chunks: Buffer[]): string {
  const detector = new EncodingDetector();
  for (const chunk of chunks) detector.push(chunk);
  return detector.end();
}

function validate(chunks: Buffer[]): boolean {
  const validator = new Utf8Validator();
  for (const chunk of chunks) validator.push(chunk);
  return validator.end();
}

describe('encoding detection', () => {
  it('should say UTF-8 for ASCII, for UTF-8 text, and for UTF-8 after a byte order mark', () => {
    expect(detect([Buffer.from('email,first_name\na@example.com,Ann\n')])).toBe('UTF-8');
    expect(detect([Buffer.from(NAMES)])).toBe('UTF-8');
    expect(detect([Buffer.from(`\uFEFF${NAMES}`)])).toBe('UTF-8');
    expect(detect([])).toBe('UTF-8'); // an empty file: nothing contradicts UTF-8
  });

  it('should read UTF-16 from its byte order mark, little- or big-endian', () => {
    expect(detect([iconv.encode(NAMES, 'utf-16le', { addBOM: true })])).toBe('UTF-16LE');
    expect(detect([iconv.encode(NAMES, 'utf-16be', { addBOM: true })])).toBe('UTF-16BE');
    expect(detect(oneBytePerChunk(iconv.encode(NAMES, 'utf-16be', { addBOM: true })))).toBe('UTF-16BE');
  });

  it('should say WINDOWS-1252 for a file that is not valid UTF-8', () => {
    expect(detect([iconv.encode(NAMES, 'windows-1252')])).toBe('WINDOWS-1252');
    expect(detect(oneBytePerChunk(iconv.encode(NAMES, 'windows-1252')))).toBe('WINDOWS-1252');
  });

  it('should find the one Windows-1252 byte that comes after a megabyte of ASCII', () => {
    const ascii = Buffer.from('a@example.com,Ann,Lee\n'.repeat(50_000));
    const file = Buffer.concat([ascii, iconv.encode('z@example.com,José,Lee\n', 'windows-1252')]);
    expect(file.length).toBeGreaterThan(1_000_000);
    expect(detect(randomChunks(file, seededRandom(7), 40))).toBe('WINDOWS-1252');
    expect(detect([ascii])).toBe('UTF-8');
  });

  it('should say WINDOWS-1252 when the file ends in the middle of a UTF-8 character', () => {
    expect(detect([Buffer.from('a,b\nx,'), Buffer.from([0xe2, 0x82])])).toBe('WINDOWS-1252');
  });

  it('should keep UTF-8 for a file that declares it with a byte order mark, even with bad bytes later', () => {
    expect(detect([Buffer.from('\uFEFFa,b\n'), Buffer.from([0x41, 0xe9, 0x0a])])).toBe('UTF-8');
  });

  it('should wait for the third byte before deciding a byte order mark split across chunks', () => {
    expect(detect([Buffer.from([0xef]), Buffer.from([0xbb]), Buffer.from([0xbf, 0x41, 0xe9])])).toBe('UTF-8');
    expect(detect([Buffer.from([0xef]), Buffer.from([0xbb])])).toBe('WINDOWS-1252'); // a file of two stray bytes
    expect(detect([Buffer.from([0xff])])).toBe('WINDOWS-1252'); // ÿ alone: not a BOM
  });
});

describe('streaming UTF-8 validity', () => {
  // Valid characters of every length, and the classic ways to be invalid.
  const VALID = ['a', ',', '\n', 'é', 'Ł', '€', '日', '😀', '\u{10FFFF}'].map((s) => Buffer.from(s));
  const INVALID = [
    [0x80],
    [0xbf],
    [0xc0, 0xaf],
    [0xc1, 0x81],
    [0xe0, 0x80, 0x80],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80, 0x80, 0x80],
    [0xff],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98],
  ].map((b) => Buffer.from(b));

  it('should agree with isUtf8 on the whole file whatever the chunk boundaries', () => {
    const random = seededRandom(20261124);
    for (let file = 0; file < 2000; file++) {
      const parts = Array.from({ length: 1 + Math.floor(random() * 30) }, () =>
        random() < 0.03 ? INVALID[Math.floor(random() * INVALID.length)]! : VALID[Math.floor(random() * VALID.length)]!,
      );
      const bytes = Buffer.concat(parts);
      const expected = isUtf8(bytes);
      expect(validate(randomChunks(bytes, random, 10)), `file ${file}: ${bytes.toString('hex')}`).toBe(expected);
      if (file % 10 === 0) expect(validate(oneBytePerChunk(bytes)), `file ${file} byte by byte`).toBe(expected);
    }
  });

  it('should accept a four-byte character cut after each of its bytes', () => {
    const bytes = Buffer.from('x😀y');
    for (let cut = 0; cut <= bytes.length; cut++) expect(validate([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(true);
  });
});

describe('EncodingSniffer', () => {
  it('should pass the upload through unchanged and report the encoding once it has finished', async () => {
    const file = iconv.encode(NAMES.repeat(1000), 'windows-1252');
    const sniffer = new EncodingSniffer();
    const received: Buffer[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (received.push(chunk), cb()) });
    expect(() => sniffer.encoding).toThrow(/not finished/);
    await pipeline(Readable.from(randomChunks(file, seededRandom(3), 20)), sniffer, sink);
    expect(Buffer.concat(received).equals(file)).toBe(true);
    expect(sniffer.encoding).toBe('WINDOWS-1252');
  });
});
