import cliProgress from 'cli-progress';
import { count, duration } from './numbers.ts';
import type { ProgressEvent } from './operations.ts';

/** Shows a job's progress: a live bar on a terminal, plain periodic lines anywhere else. */
export interface ProgressDisplay {
  update(event: ProgressEvent): void;
  /** Prints a line of its own (the bar is redrawn below it). */
  note(line: string): void;
  /** Takes the bar off the terminal while the user answers a question; resume() puts it back. */
  pause(): void;
  resume(): void;
  /** Final: leaves the last state on screen. */
  stop(): void;
}

export interface DisplayOptions {
  out: NodeJS.WriteStream;
  /** a live bar (stdout is a terminal) or plain lines */
  interactive: boolean;
  /** plain lines: at most one per interval, besides status changes and the end. @default 5000 */
  lineIntervalMs?: number;
}

function rows(e: ProgressEvent): string {
  return `${count(e.processedRows)}/${e.totalRows === null ? '?' : count(e.totalRows)} rows`;
}
function rate(e: ProgressEvent): string {
  return e.rowsPerSecond === null ? '-' : count(Math.round(e.rowsPerSecond));
}

/** "RUNNING  45.0%  4,500/10,000 rows  1,234 rows/s  ETA 4s  (12 failed)" */
export function progressLine(e: ProgressEvent): string {
  const failed = e.failedRows > 0 ? `  (${count(e.failedRows)} failed)` : '';
  return `${e.status.padEnd(9)} ${e.percent.toFixed(1).padStart(5)}%  ${rows(e)}  ${rate(e)} rows/s  ETA ${duration(e.etaSeconds)}${failed}`;
}

export function createProgressDisplay(opts: DisplayOptions): ProgressDisplay {
  return opts.interactive ? barDisplay(opts.out) : lineDisplay(opts.out, opts.lineIntervalMs ?? 5000);
}

function lineDisplay(out: NodeJS.WriteStream, intervalMs: number): ProgressDisplay {
  let lastAt = 0;
  let lastStatus: string | undefined;
  return {
    // INVARIANT: the first and the terminal event are always printed: each is a change of status.
    update(e) {
      const now = Date.now();
      if (e.status !== lastStatus || now - lastAt >= intervalMs) {
        out.write(`progress: ${progressLine(e)}\n`);
        lastAt = now;
        lastStatus = e.status;
      }
    },
    note: (line) => void out.write(`${line}\n`),
    pause() {},
    resume() {},
    stop() {},
  };
}

function barDisplay(out: NodeJS.WriteStream): ProgressDisplay {
  // The bar runs on the server's percent (it never goes backwards) and shows the server's rate and
  // ETA: the server knows the file's size before the CLI knows its row count.
  const bar = new cliProgress.SingleBar(
    {
      format: '{status} [{bar}] {percentage}% | {rows} | {rate} rows/s | ETA {etaText}{failed}',
      stream: out,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  let last: ProgressEvent | undefined;
  const payload = (e: ProgressEvent) => ({
    status: e.status.padEnd(9),
    rows: rows(e),
    rate: rate(e),
    etaText: duration(e.etaSeconds),
    failed: e.failedRows > 0 ? ` | ${count(e.failedRows)} failed` : '',
  });
  const start = () => {
    if (!last || running) return;
    bar.start(100, Math.floor(last.percent * 10) / 10, payload(last));
    running = true;
  };
  const halt = () => {
    if (!running) return;
    bar.stop();
    running = false;
  };
  let paused = false;
  return {
    update(e) {
      last = e;
      if (paused) return;
      if (!running) start();
      else bar.update(Math.floor(e.percent * 10) / 10, payload(e));
    },
    note(line) {
      const wasRunning = running;
      halt();
      out.write(`${line}\n`);
      if (wasRunning && !paused) start();
    },
    pause() {
      paused = true;
      halt();
    },
    resume() {
      paused = false;
      start();
    },
    stop() {
      paused = true;
      if (running && last) bar.update(Math.floor(last.percent * 10) / 10, payload(last));
      halt();
    },
  };
}
