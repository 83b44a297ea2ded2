import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CopyOutFrames } from './copyOutFrames.ts';

function message(code: string, body: Buffer | string = ''): Buffer {
  const b = Buffer.from(body);
  const header = Buffer.alloc(5);
  header[0] = code.charCodeAt(0);
  header.writeUInt32BE(b.length + 4, 1);
  return Buffer.concat([header, b]);
}

/** Feeds `bytes` cut at `cuts`; returns the payload, the bytes handed back, and how the copy ended. */
function decode(bytes: Buffer, cuts: number[]) {
  const frames = new CopyOutFrames();
  const payload: Buffer[] = [];
  let rest: Buffer | null = null;
  const bounds = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...bounds, bytes.length]) {
    if (to <= from && to !== bytes.length) continue;
    const chunk = bytes.subarray(from, to);
    from = to;
    if (rest) {
      rest = Buffer.concat([rest, chunk]);
      continue;
    }
    const at = frames.feed(chunk, (c, f, t) => payload.push(Buffer.from(c.subarray(f, t))));
    if (at !== -1) rest = Buffer.from(chunk.subarray(at));
  }
  return { payload: Buffer.concat(payload).toString(), rest: rest?.toString() ?? null, ended: frames.ended, messages: frames.messages };
}

const AFTER = message('C', 'COPY 2\0').toString() + message('Z', 'I').toString();

describe('CopyOutFrames', () => {
  it('should return the CopyData bodies and hand back every byte after CopyDone', () => {
    const bytes = Buffer.concat([
      message('H', '\0\0\0'),
      message('d', 'a,b\n'),
      message('N', 'notice'),
      message('d', '"x\ny",2\n'),
      message('c'),
      Buffer.from(AFTER),
    ]);
    expect(decode(bytes, [])).toEqual({ payload: 'a,b\n"x\ny",2\n', rest: AFTER, ended: 'done', messages: 2 });
  });

  it('should stop at an ErrorResponse without reading it, so that the driver reports the error', () => {
    const error = message('E', 'SERROR\0Mdivision by zero\0\0').toString();
    const bytes = Buffer.concat([message('H', '\0\0\0'), message('d', '1\n'), Buffer.from(error), message('Z', 'E')]);
    const r = decode(bytes, [8, 17]);
    expect(r).toEqual({ payload: '1\n', rest: error + message('Z', 'E').toString(), ended: 'error', messages: 1 });
  });

  it('should treat any other message as the end of copy-out mode and hand it back unread', () => {
    const bytes = Buffer.concat([message('d', 'x\n'), Buffer.from(AFTER)]);
    expect(decode(bytes, [3])).toEqual({ payload: 'x\n', rest: AFTER, ended: 'other', messages: 1 });
  });

  it('should refuse a length shorter than the length field itself', () => {
    const bad = Buffer.from([0x64, 0, 0, 0, 3]);
    expect(() => new CopyOutFrames().feed(bad, () => undefined)).toThrow(/invalid length 3/);
  });

  it('should decode the same payload, rows and rest wherever the socket splits the bytes', () => {
    const body = fc.string({ unit: fc.constantFrom('a', 'é', ',', '\n', '"', '='), maxLength: 12 });
    const msg = fc.oneof(
      { weight: 6, arbitrary: body.map((b) => ({ code: 'd', body: b })) },
      { weight: 1, arbitrary: fc.constantFrom('N', 'S', 'A').chain((code) => body.map((b) => ({ code, body: b }))) },
    );
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (messages, cuts) => {
        const bytes = Buffer.concat([message('H', '\0\0\0'), ...messages.map((m) => message(m.code, m.body)), message('c'), Buffer.from(AFTER)]);
        const data = messages.filter((m) => m.code === 'd');
        expect(decode(bytes, cuts)).toEqual({ payload: data.map((m) => m.body).join(''), rest: AFTER, ended: 'done', messages: data.length });
      }),
      { numRuns: 3000 },
    );
  });
});
