import readline from 'node:readline';
import type { ProgressDisplay } from './progressDisplay.ts';

/** Signals closer together than this are one Ctrl-C. */
const SAME_KEYPRESS_MS = 300;

export interface InterruptTarget {
  display: ProgressDisplay;
  /** The running job, once the server has one; before that, Ctrl-C aborts the upload. */
  jobId(): string | undefined;
  abortStart(): void;
  cancel(jobId: string): Promise<void>;
  /** Ends the process (exit code 1) without waiting for the job. */
  exit(message: string): never;
  /** Asks the user; stdin must be a terminal. @default true when stdin is a TTY */
  interactive?: boolean;
}

/**
 * Ctrl-C while a job runs. On a terminal: asks whether to cancel the job on the server (y) or let it
 * go on (n, the CLI keeps following); Ctrl-C at the question exits and leaves the job running.
 * Without a terminal (scripts, CI): the first Ctrl-C cancels the job and keeps following it to
 * CANCELLED; a second exits at once. Returns a function that removes the handler.
 */
export function handleInterrupts(target: InterruptTarget): () => void {
  const interactive = target.interactive ?? Boolean(process.stdin.isTTY);
  let cancelling = false;
  let asking = false;

  const cancel = (id: string) => {
    cancelling = true;
    target.display.note(`cancelling job ${id}… (Ctrl-C again to exit without waiting)`);
    target.cancel(id).catch((err: Error) => {
      cancelling = false;
      target.display.note(`could not cancel job ${id}: ${err.message}`);
    });
  };

  const ask = (id: string) => {
    asking = true;
    target.display.pause();
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    rl.on('SIGINT', () => {
      rl.close();
      target.exit(`\nleft job ${id} running on the server`);
    });
    rl.question(`\nCancel job ${id} on the server? [y/N] `, (answer) => {
      rl.close();
      asking = false;
      target.display.resume();
      if (/^y(es)?$/i.test(answer.trim())) cancel(id);
      else target.display.note(`job ${id} goes on`);
    });
  };

  let lastSignalAt = 0;
  const onSigint = () => {
    // One keypress can arrive more than once: the terminal signals the whole foreground process
    // group and wrappers (npm run, npx) forward what they receive to us as well.
    const now = Date.now();
    if (now - lastSignalAt < SAME_KEYPRESS_MS) return;
    lastSignalAt = now;
    const id = target.jobId();
    if (!id) {
      target.abortStart();
      target.exit('interrupted before the server had started a job');
    }
    if (cancelling) target.exit(`exiting; job ${id} is being cancelled on the server`);
    if (asking) return;
    if (interactive) ask(id);
    else cancel(id);
  };
  process.on('SIGINT', onSigint);
  return () => void process.off('SIGINT', onSigint);
}
