import type { ApiClient } from './apiClient.ts';
import { followJob } from './followJob.ts';
import { handleInterrupts } from './interrupt.ts';
import { CANCEL_JOB, type ProgressEvent } from './operations.ts';
import { createProgressDisplay, type ProgressDisplay } from './progressDisplay.ts';

/**
 * One job's life as the CLI shows it: started by `start` (which may be cancelled by Ctrl-C before
 * the server answers), then followed live to its end with Ctrl-C offering to cancel it.
 */
export async function runJob(
  api: ApiClient,
  kind: 'import' | 'export',
  lineIntervalMs: number,
  start: (signal: AbortSignal) => Promise<string>,
): Promise<{ jobId: string; end: ProgressEvent; display: ProgressDisplay }> {
  const out = process.stdout;
  const display = createProgressDisplay({ out, interactive: Boolean(out.isTTY), lineIntervalMs });
  const starting = new AbortController();
  let jobId: string | undefined;
  const stopInterrupts = handleInterrupts({
    display,
    jobId: () => jobId,
    abortStart: () => starting.abort(),
    cancel: async (id) => {
      await api.request(CANCEL_JOB, { id });
    },
    exit: (message) => {
      display.stop();
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  });
  try {
    jobId = await start(starting.signal);
    display.note(`${kind} job ${jobId} started; following it (Ctrl-C to cancel)`);
    const end = await followJob(api, jobId, {
      onEvent: (e) => display.update(e),
      onFallback: (reason) => display.note(`live progress unavailable (${reason}); polling job(id) every second`),
    });
    return { jobId, end, display };
  } finally {
    display.stop();
    stopInterrupts();
  }
}
