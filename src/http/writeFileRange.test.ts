import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileRange } from './writeFileRange.ts';

const dir = fs.mkdtempSync(path.join(tmpdir(), 'bulkport-range-'));
// Larger than the socket buffers of both ends together, so the sender must wait for the reader.
const file = path.join(dir, 'export.bin');
const content = randomBytes(24 * 1024 * 1024 + 12345);
let server: http.Server;
let url: string;
let served: Promise<void>[] = [];

beforeAll(async () => {
  fs.writeFileSync(file, content);
  server = http.createServer((req, res) => {
    const [start, end] = (req.url ?? '').slice(1).split('-').map(Number) as [number, number];
    res.setHeader('Content-Length', String(end - start + 1));
    served.push(writeFileRange(res, file, start, end));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function fetchBytes(start: number, end: number): Promise<Buffer> {
  return Buffer.from(await (await fetch(`${url}/${start}-${end}`)).arrayBuffer());
}

describe('writeFileRange', () => {
  it('should send exactly the bytes of the range asked for, across read boundaries', async () => {
    served = [];
    expect((await fetchBytes(0, content.length - 1)).equals(content)).toBe(true);
    const mid = 3 * 1024 * 1024 - 7;
    expect((await fetchBytes(mid, mid + 2 * 1024 * 1024 + 10)).equals(content.subarray(mid, mid + 2 * 1024 * 1024 + 11))).toBe(true);
    expect((await fetchBytes(5, 5)).equals(content.subarray(5, 6))).toBe(true);
    await Promise.all(served);
  });

  it('should stop, and close the file, when the client goes away in the middle of the download', async () => {
    served = [];
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${url}/0-${content.length - 1}`, (res) => {
        res.once('data', () => {
          // The server is now waiting for this reader, which stops reading and hangs up.
          res.pause();
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 100);
        });
      });
      req.on('error', () => undefined);
      req.on('timeout', reject);
    });
    // Settles: it stops reading the file once the client has gone.
    await served[0];
  });
});
