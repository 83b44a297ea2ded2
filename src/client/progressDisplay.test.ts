import { describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from './operations.ts';
import { createProgressDisplay, progressLine } from './progressDisplay.ts';

const event = (over: Partial<ProgressEvent> = {}): ProgressEvent => ({
  status: 'RUNNING',
  totalRows: 10_000,
  processedRows: 4_500,
  succeededRows: 4_490,
  failedRows: 10,
  percent: 45,
  rowsPerSecond: 1234.4,
  etaSeconds: 65,
  ...over,
});

function fakeOut() {
  const lines: string[] = [];
  return { lines, out: { write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream };
}

describe('progressLine', () => {
  it('should show status, percent, rows, rate, ETA and failed rows', () => {
    expect(progressLine(event())).toBe('RUNNING    45.0%  4,500/10,000 rows  1,234 rows/s  ETA 1m05s  (10 failed)');
  });

  it('should show an unknown total and rate as ? and -', () => {
    expect(progressLine(event({ totalRows: null, rowsPerSecond: null, etaSeconds: null, failedRows: 0, percent: 0 }))).toBe(
      'RUNNING     0.0%  4,500/? rows  - rows/s  ETA -',
    );
  });
});

describe('the plain-line display (stdout is not a terminal)', () => {
  it('should print the first event, every change of status, and otherwise one line per interval', () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { lines, out } = fakeOut();
      const d = createProgressDisplay({ out, interactive: false, lineIntervalMs: 5000 });
      d.update(event({ status: 'QUEUED', processedRows: 0 }));
      d.update(event({ processedRows: 100 })); // status changed
      vi.setSystemTime(1000);
      d.update(event({ processedRows: 200 })); // within the interval: not printed
      vi.setSystemTime(5000);
      d.update(event({ processedRows: 300 }));
      vi.setSystemTime(5100);
      d.update(event({ status: 'COMPLETED', processedRows: 10_000 }));
      d.stop();
      expect(lines.map((l) => l.split('  ')[0] + ' ' + /([\d,]+)\//.exec(l)![1])).toEqual([
        'progress: QUEUED 0',
        'progress: RUNNING 100',
        'progress: RUNNING 300',
        'progress: COMPLETED 10,000',
      ]);
      expect(lines.join('')).not.toMatch(/[\r\u001b]/);
    } finally {
      vi.useRealTimers();
    }
  });
});
