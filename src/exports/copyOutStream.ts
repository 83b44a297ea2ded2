import { Readable } from 'node:stream';
import type { Connection, Submittable } from 'pg';
import { CopyOutFrames } from './copyOutFrames.ts';

/**
 * Turns the bytes of CopyData bodies into the stream's output, in order. Called once per body piece,
 * so it must not allocate: it writes into `out`, which holds maxOutput(n) bytes for n bytes in.
 */
export interface CopyPayloadFilter {
  /** The most bytes `copy` writes for n bytes in, in total over the calls for one socket chunk. */
  maxOutput(n: number): number;
  /** Writes src[from…to) (transformed) at out[o…]; returns the offset after the last byte written. */
  copy(src: Buffer, from: number, to: number, out: Buffer, o: number): number;
}

/** Copies the payload as it is. */
export const UNCHANGED: CopyPayloadFilter = {
  maxOutput: (n) => n,
  // Measured on 85 MB of contacts (~85-byte rows): 0.13–0.15 s of CPU, against 0.2 s for a byte loop.
  copy: (src, from, to, out, o) => o + src.copy(out, o, from, to),
};

/**
 * `COPY … TO STDOUT` as a Readable, for pg's `client.query(new CopyOutStream(sql))` (pg calls
 * `submit`, then the handle* methods). Like pg-copy-streams' `to()`, it takes the socket from pg's
 * protocol parser while the copy lasts and hands back every byte after CopyDone; unlike it, it
 * reads the frames in place (CopyOutFrames) and pushes one buffer per socket read, written by
 * `filter` (the formula guard writes its output there, so no stage copies the bytes again).
 *
 * `rows` counts CopyData messages (a CSV header is one); `rowCount` is the server's own count from
 * "COPY n", known once the stream has ended. If the server reports an error, the stream errors.
 * Destroying the stream half-way leaves the connection mid-copy: release it as broken.
 */
export class CopyOutStream extends Readable implements Submittable {
  rowCount = 0;
  private readonly frames = new CopyOutFrames();
  private connection: Connection | null = null;
  private pgOnData: ((b: Buffer) => void) | null = null;
  private wanted = false;
  private reading = false;
  private readonly onReadable = () => this.forward();

  constructor(
    readonly text: string,
    private readonly payloadFilter: CopyPayloadFilter = UNCHANGED,
    options: { highWaterMark?: number } = {},
  ) {
    super({ highWaterMark: options.highWaterMark });
  }

  get rows(): number {
    return this.frames.messages;
  }

  submit(connection: Connection): void {
    this.connection = connection;
    const socket = connection.stream;
    const listeners = socket.listeners('data');
    if (listeners.length !== 1) throw new Error(`CopyOutStream: expected pg's one socket 'data' listener, found ${listeners.length}`);
    this.pgOnData = listeners[0] as (b: Buffer) => void;
    socket.removeListener('data', this.pgOnData);
    socket.pause();
    socket.on('readable', this.onReadable);
    connection.query(this.text);
  }

  override _read(): void {
    this.wanted = true;
    this.forward();
  }

  private forward(): void {
    if (this.reading || !this.connection || this.frames.ended) return;
    this.reading = true;
    try {
      let chunk: Buffer | null;
      while (this.wanted && !this.frames.ended && (chunk = this.connection.stream.read() as Buffer | null) !== null) this.parse(chunk);
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.reading = false;
    }
  }

  private parse(chunk: Buffer): void {
    const out = Buffer.allocUnsafe(this.payloadFilter.maxOutput(chunk.length));
    let o = 0;
    const rest = this.frames.feed(chunk, (src, from, to) => {
      o = this.payloadFilter.copy(src, from, to, out, o);
    });
    if (o > 0) this.wanted = this.push(out.subarray(0, o));
    if (rest === -1) return;
    this.handBack(chunk.subarray(rest));
    // On an error pg calls handleError next; otherwise copy-out mode is over and the data with it.
    if (this.frames.ended !== 'error') this.push(null);
  }

  /** Gives the socket back to pg's parser, with the bytes read past the copy. */
  private handBack(rest: Buffer): void {
    const socket = this.connection!.stream;
    socket.removeListener('readable', this.onReadable);
    socket.on('data', this.pgOnData!);
    if (rest.length > 0) this.pgOnData!(rest);
    // Resumed on the next tick: pg's handler may pause the socket while it runs.
    process.nextTick(() => socket.resume());
  }

  handleError(err: Error): void {
    this.destroy(err);
  }

  handleCommandComplete(msg: { text?: string }): void {
    const m = /^COPY (\d+)/.exec(msg.text ?? '');
    if (m) this.rowCount = Number(m[1]);
  }

  handleReadyForQuery(): void {}
}
