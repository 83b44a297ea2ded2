import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { oneBytePerChunk, randomChunks, seededRandom } from '../../test/helpers/seededRandom.ts';
import { CountingSource } from '../imports/countingSource.ts';
import type { FileEncoding } from './fileEncoding.ts';
import { decodeSource } from './transcode.ts';

const TEXT = 'email,first_name,last_name\nm@example.com,Jürgen,Müller\nn@example.com,Ñúñez,Zoë\ne@example.com,“Euro”,€ 5 – ok…\n';
// iconv-lite is an independent encoder (its own tables), so these bytes are what other software writes.
const ENCODED: Record<Exclude<FileEncoding, 'UTF-8'>, Buffer> = {
  'UTF-16LE': iconv.encode(TEXT, 'utf-16le', { addBOM: true }),
  'UTF-16BE': iconv.encode(TEXT, 'utf-16be', { addBOM: true }),
  'WINDOWS-1252': iconv.encode(TEXT, 'windows-1252'),
};

function sourceOf(chunks: Buffer[]): CountingSource {
  return new CountingSource(Readable.from(chunks));
}

async function decodeAll(chunks: Buffer[], encoding: FileEncoding): Promise<string> {
  let text = '';
  for await (const piece of decodeSource(sourceOf(chunks), encoding)) text += typeof piece === 'string' ? piece : piece.toString('utf8');
  return text;
}

describe('decoding a file while it streams', () => {
  for (const [encoding, bytes] of Object.entries(ENCODED) as [FileEncoding, Buffer][]) {
    it(`should give back the source text of a ${encoding} file, whatever the chunk boundaries`, async () => {
      expect(await decodeAll([bytes], encoding)).toBe(TEXT);
      expect(await decodeAll(oneBytePerChunk(bytes), encoding)).toBe(TEXT);
      const random = seededRandom(encoding.length);
      for (let i = 0; i < 50; i++) expect(await decodeAll(randomChunks(bytes, random), encoding)).toBe(TEXT);
    });
  }

  it('should hand UTF-8 to the CSV reader untouched: the common case pays nothing', () => {
    const source = sourceOf([Buffer.from(TEXT)]);
    expect(decodeSource(source, 'UTF-8')).toBe(source);
  });

  it('should give the sniffers the decoded start of the file as UTF-8, then the whole text once', async () => {
    const source = decodeSource(sourceOf([ENCODED['UTF-16LE'].subarray(0, 40), ENCODED['UTF-16LE'].subarray(40)]), 'UTF-16LE');
    expect((await source.head()).toString('utf8')).toBe(TEXT.slice(0, 19)); // 40 bytes = BOM + 19 characters
    let text = '';
    for await (const piece of source) text += piece;
    expect(text).toBe(TEXT);
  });

  it('should decode every defined Windows-1252 byte as iconv-lite does', async () => {
    const defined = Array.from({ length: 256 }, (_, b) => b).filter((b) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(b));
    const bytes = Buffer.from(defined);
    expect(await decodeAll([bytes], 'WINDOWS-1252')).toBe(iconv.decode(bytes, 'windows-1252'));
  });

  it('should turn bytes that are not text in the encoding into U+FFFD, which the row validator reports', async () => {
    // Windows-1252 leaves 81 8D 8F 90 9D undefined.
    expect(await decodeAll([Buffer.from([0x41, 0x81, 0x8d, 0x8f, 0x90, 0x9d, 0x42])], 'WINDOWS-1252')).toBe('A\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDB');
    // UTF-16: a lone high surrogate, and an odd byte at the end.
    expect(await decodeAll([Buffer.from([0x41, 0x00, 0x3d, 0xd8, 0x42, 0x00])], 'UTF-16LE')).toBe('A\uFFFDB');
    expect(await decodeAll([Buffer.from([0x00, 0x41, 0x00])], 'UTF-16BE')).toBe('A\uFFFD');
  });

  it('should decode an empty file to nothing', async () => {
    expect(await decodeAll([], 'UTF-16LE')).toBe('');
    expect((await decodeSource(sourceOf([]), 'WINDOWS-1252').head()).length).toBe(0);
  });
});
