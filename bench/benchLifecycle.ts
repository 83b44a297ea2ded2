/**
 * What every end-to-end benchmark needs around its measurements: cleanup steps that run exactly
 * once (on success, failure or a signal), the app processes it started (so a failure shows what they
 * printed), and a runner that sets the exit code.
 */
import type { AppProcess } from '../test/helpers/appProcess.ts';

/** Cleanup steps, run last-registered first, exactly once. */
const cleanups: Array<[string, () => Promise<unknown> | unknown]> = [];
const processes: AppProcess[] = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(what: string, step: () => Promise<unknown> | unknown): void {
  cleanups.push([what, step]);
}

/** Remembers an app process, and stops it (SIGTERM, then SIGKILL after graceMs) at cleanup. */
export function track(p: AppProcess, graceMs = 15_000): AppProcess {
  processes.push(p);
  onCleanup(`stop the ${p.name}`, () => p.stop(graceMs));
  return p;
}

/** True once cleanup has begun (on a signal, while main may still be running): main should stop there. */
export function cleaningUp(): boolean {
  return cleaning !== undefined;
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const [what, step] of cleanups.reverse()) {
      try {
        await step();
      } catch (err) {
        console.error(`cleanup: could not ${what}: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

let signalsHandled = false;
function handleSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  // Every signal is handled, not just the first: `npx tsx` relays Ctrl-C a second time when the first
  // one is not acknowledged within 30 ms, and an unhandled second one would end the process mid-cleanup.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (cleaning) return;
      console.error(`\n${signal}: stopping the app processes and dropping the benchmark database...`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

/** Runs a benchmark's main: on failure prints the error and the app processes' last output; always cleans up. */
export async function runBench(name: string, main: () => Promise<void>): Promise<void> {
  handleSignals();
  try {
    await main();
  } catch (err) {
    // After a signal, main fails because cleanup stopped what it was using: not worth a report.
    if (cleaning) return;
    console.error(`\n${name} failed: ${(err as Error).stack ?? err}`);
    for (const p of processes) console.error(`\nlast output of the ${p.name} (pid ${p.pid}):\n${p.tail(30)}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}
