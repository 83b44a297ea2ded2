import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CountingSource, sniffDelimiter, sniffNotCsv } from './countingSource.ts';

describe('file sniffing', () => {
  it('should pick the delimiter that splits the header line', () => {
    expect(sniffDelimiter(Buffer.from('email,first_name;x\n'))).toBe(',');
    expect(sniffDelimiter(Buffer.from('email;first_name;last_name\r\na;b;c'))).toBe(';');
    expect(sniffDelimiter(Buffer.from('email\tfirst_name\n'))).toBe('\t');
    expect(sniffDelimiter(Buffer.from('"a;b;c",d\n'))).toBe(',');
    expect(sniffDelimiter(Buffer.from('\n\nemail|name\n'))).toBe('|');
    expect(sniffDelimiter(Buffer.alloc(0))).toBe(',');
  });

  it('should recognise workbooks, archives and binary files as not CSV', () => {
    expect(sniffNotCsv(Buffer.from('PK\u0003\u0004rest'))).toMatch(/xlsx/);
    expect(sniffNotCsv(Buffer.from([0x1f, 0x8b, 8, 0]))).toMatch(/gzip/);
    expect(sniffNotCsv(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]))).toMatch(/binary/);
    expect(sniffNotCsv(Buffer.from('email,first_name\n'))).toBeNull();
  });

  it('should look for file signatures in the stored bytes, and for NULs and BOMs in the decoded text', () => {
    const gzip = Buffer.from([0x1f, 0x8b, 8, 0, 0x41]);
    const gzipReadAs1252 = Buffer.from('\u001f\u2039\u0008\u0000A', 'utf8'); // 8B is ‹ in Windows-1252
    expect(sniffNotCsv(gzipReadAs1252, gzip)).toMatch(/gzip/);
    // A UTF-16 file decoded as UTF-16 has neither its BOM nor its NULs any more.
    expect(sniffNotCsv(Buffer.from('email,first_name\n'), Buffer.from('\uFEFFemail,first_name\n', 'utf16le'))).toBeNull();
    // One read as UTF-8 (forced) still has both: the reason says what happened.
    expect(sniffNotCsv(Buffer.from('\uFEFFemail\n', 'utf16le'))).toMatch(/UTF-16.*without `encoding`/);
  });

  it('should yield the peeked first chunk once and count every byte', async () => {
    const source = new CountingSource(Readable.from([Buffer.from('ab'), Buffer.from('cde')]));
    expect((await source.head()).toString()).toBe('ab');
    const seen: string[] = [];
    for await (const chunk of source) seen.push(chunk.toString());
    expect(seen).toEqual(['ab', 'cde']);
    expect(source.bytesRead).toBe(5);
  });
});

describe('closing a source', () => {
  it('should end a read still waiting on a stalled stream, instead of waiting with it', async () => {
    const stalled = new Readable({ read() {} }); // never pushes: a store that stopped answering
    const source = new CountingSource(stalled);
    const iterator = source[Symbol.asyncIterator]();
    const pending = iterator.next().then(
      () => 'ended',
      () => 'failed',
    );
    const closed = source.close().then(() => 'closed');
    const outcome = await Promise.race([Promise.all([closed, pending]), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
    expect(outcome).not.toBe('still waiting');
    expect(stalled.destroyed).toBe(true);
  });
});
