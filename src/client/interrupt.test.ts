import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleInterrupts, type InterruptTarget } from './interrupt.ts';
import type { ProgressDisplay } from './progressDisplay.ts';

class Exited extends Error {}

function target(jobId: string | undefined) {
  const notes: string[] = [];
  const display: ProgressDisplay = { update() {}, note: (l) => void notes.push(l), pause() {}, resume() {}, stop() {} };
  const t = {
    display,
    interactive: false,
    jobId: () => jobId,
    abortStart: vi.fn(),
    cancel: vi.fn(async () => undefined),
    exit: vi.fn((message: string): never => {
      throw new Exited(message);
    }),
  } satisfies InterruptTarget;
  return { t, notes };
}

/** process.emit runs the listeners as a real SIGINT would, without signalling the test runner. */
const ctrlC = () => process.emit('SIGINT', 'SIGINT');

describe('Ctrl-C without a terminal on stdin', () => {
  let remove: (() => void) | undefined;
  afterEach(() => {
    remove?.();
    vi.useRealTimers();
  });

  it('should cancel the job on the first Ctrl-C and exit on the second', () => {
    vi.useFakeTimers({ now: 10_000 });
    const { t, notes } = target('job-1');
    remove = handleInterrupts(t);
    ctrlC();
    expect(t.cancel).toHaveBeenCalledWith('job-1');
    expect(notes).toEqual(['cancelling job job-1… (Ctrl-C again to exit without waiting)']);
    expect(t.exit).not.toHaveBeenCalled();
    vi.setSystemTime(11_000);
    expect(ctrlC).toThrow('exiting; job job-1 is being cancelled on the server');
    expect(t.cancel).toHaveBeenCalledTimes(1);
  });

  it('should count signals within 300 ms as one Ctrl-C (npm and npx forward the one the terminal sent)', () => {
    vi.useFakeTimers({ now: 10_000 });
    const { t } = target('job-2');
    remove = handleInterrupts(t);
    ctrlC();
    vi.setSystemTime(10_100);
    ctrlC();
    expect(t.cancel).toHaveBeenCalledTimes(1);
    expect(t.exit).not.toHaveBeenCalled();
  });

  it('should abort the upload and exit when no job has started yet', () => {
    const { t } = target(undefined);
    remove = handleInterrupts(t);
    expect(ctrlC).toThrow('interrupted before the server had started a job');
    expect(t.abortStart).toHaveBeenCalledTimes(1);
    expect(t.cancel).not.toHaveBeenCalled();
  });

  it('should stop listening once removed', () => {
    const before = process.listenerCount('SIGINT');
    const { t } = target('job-3');
    handleInterrupts(t)();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
