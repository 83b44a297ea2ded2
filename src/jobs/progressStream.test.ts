import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from './progressBus.ts';
import { ProgressStream } from './progressStream.ts';

function state(processedRows: number, status: ProgressEvent['status'] = 'RUNNING'): ProgressEvent {
  return {
    jobId: 'j',
    status,
    totalRows: 1000,
    processedRows,
    succeededRows: processedRows,
    failedRows: 0,
    percent: processedRows / 10,
    rowsPerSecond: null,
    etaSeconds: null,
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

describe('ProgressStream', () => {
  it('should yield its first state at once, then what it is offered', async () => {
    const stream = new ProgressStream(state(0));
    expect((await stream.next()).value).toEqual(state(0));
    const waiting = stream.next();
    stream.offer(state(100));
    expect((await waiting).value).toEqual(state(100));
  });

  it('should hand a slow reader only the newest of the states offered meanwhile', async () => {
    const stream = new ProgressStream(state(0));
    await stream.next();
    stream.offer(state(100));
    stream.offer(state(200));
    stream.offer(state(300));
    expect((await stream.next()).value).toEqual(state(300));
  });

  it('should skip an offered state lower than one it has yielded', async () => {
    const stream = new ProgressStream(state(500));
    await stream.next();
    stream.offer(state(400));
    const waiting = stream.next();
    stream.offer(state(600));
    expect((await waiting).value).toEqual(state(600));
  });

  it('should end after the terminal state, calling onEnd once', async () => {
    let ended = 0;
    const stream = new ProgressStream(state(0), () => ended++);
    await stream.next();
    stream.offer(state(1000, 'COMPLETED'));
    expect((await stream.next()).value).toEqual(state(1000, 'COMPLETED'));
    expect(ended).toBe(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await stream.return();
    expect(ended).toBe(1);
  });

  it('should end at once on return(), resolving a next() that was waiting', async () => {
    let ended = 0;
    const stream = new ProgressStream(state(0), () => ended++);
    await stream.next();
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
    stream.offer(state(100));
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
