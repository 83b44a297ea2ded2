import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppProcess } from '../helpers/appProcess.ts';
import { faultyContactsCsv, importOutcome, jobProgressRow, taskHolders, waitFor, type ImportOutcome } from '../helpers/faultImport.ts';
import { uploadImport, waitForJob } from '../helpers/graphqlClient.ts';
import { startServerProcesses, type ServerProcesses } from '../helpers/serverProcess.ts';
import { withDatabase } from '../helpers/testDatabase.ts';

// Real processes, as an operator runs them: `npm run api` and two `npm run worker`, with the
// default heartbeat (2 s) and dead-worker threshold (10 s). Each case imports the same file and
// must end exactly as an uninterrupted run of it did: same counts, same row errors, same rows.
const ROWS = 120_000;
/** Real processes on a shared 2-core machine: an import of this file can take a minute or two when the machine is busy. */
const FAULT_TEST_TIMEOUT = 300_000;
const csv = faultyContactsCsv(ROWS);
let s: ServerProcesses;
const workers: AppProcess[] = [];
let baseline: ImportOutcome;

async function startWorker(env: Record<string, string> = {}): Promise<AppProcess> {
  const w = await s.start('worker', { WORKER_CONCURRENCY: '2', ...env });
  workers.push(w);
  return w;
}

/** Starts an import in its own workspace; returns its job id and token. */
async function startImport(workspace: string): Promise<{ id: string; token: string }> {
  const token = await s.token(workspace);
  const r = await uploadImport(s.url, token, csv);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return { id: r.data.startImport.id, token };
}

async function finish(job: { id: string; token: string }): Promise<ImportOutcome> {
  const ended = await waitForJob(s.url, job.token, job.id, undefined, 180_000);
  expect(ended.status).toBe('COMPLETED');
  return importOutcome(s.databaseUrl, job.id);
}

function processOf(pid: number): AppProcess {
  const w = workers.find((p) => p.pid === pid);
  if (!w) throw new Error(`pid ${pid} is not one of this test's workers`);
  return w;
}

/** Seconds from `since` until the dead pool holds none of the job's tasks: they run elsewhere, or ran. */
async function secondsUntilTakenOver(jobId: string, deadPool: string, since: number): Promise<number> {
  await waitFor(
    "the dead worker's tasks to be taken over",
    async () => {
      const held = await withDatabase(s.databaseUrl, (c) =>
        c.query(`SELECT 1 FROM graphile_worker._private_jobs WHERE payload->>'jobId' = $1 AND locked_by = $2`, [jobId, deadPool]),
      );
      return held.rowCount === 0 ? true : undefined;
    },
    60_000,
    100,
  );
  return (Date.now() - since) / 1000;
}

beforeAll(async () => {
  s = await startServerProcesses('api', { CHUNK_SIZE: '500' });
  await startWorker();
  await startWorker();
  baseline = await finish(await startImport('baseline'));
  expect(baseline.counts.total_rows).toBe(ROWS);
  expect(baseline.errors.length).toBeGreaterThan(ROWS / 40); // the file's bad rows and duplicates are there
}, 240_000);
afterAll(() => s?.stop());

describe('a worker process killed with SIGKILL', () => {
  it(
    'should resume mid-stage on the other worker within 30 s and end exactly as an uninterrupted run',
    async () => {
      const job = await startImport('kill-stage');
      const holder = await waitFor('the stage task a quarter through the file', async () => {
        const p = await jobProgressRow(s.databaseUrl, job.id);
        if (p.total_chunks !== null || p.staged_chunks < 40) return undefined;
        return (await taskHolders(s.databaseUrl, job.id)).find((h) => h.task === 'import_stage');
      });
      const victim = processOf(holder.pid);
      const frozen = (await jobProgressRow(s.databaseUrl, job.id)).staged_chunks;
      const killedAt = Date.now();
      victim.kill('SIGKILL');
      expect(await victim.ended).toBe('killed by SIGKILL');

      const resumedAfter = await secondsUntilTakenOver(job.id, holder.poolId, killedAt);
      await waitFor('staging to go on', async () => ((await jobProgressRow(s.databaseUrl, job.id)).staged_chunks > frozen ? true : undefined));
      console.log(`[faults] SIGKILL mid-stage: its stage task was taken over by the other worker after ${resumedAfter.toFixed(1)} s`);
      expect(resumedAfter).toBeLessThan(30);
      expect(await finish(job)).toEqual(baseline);
      await startWorker();
    },
    FAULT_TEST_TIMEOUT,
  );

  it(
    'should resume mid-merge on the other worker within 30 s and end exactly as an uninterrupted run',
    async () => {
      // A fresh import's chunks go straight in from its stage task (DIRECT_CHUNKS): for merge tasks to
      // kill, this case swaps in workers that merge every chunk, then puts default ones back.
      for (const w of workers.splice(0)) await w.stop(10_000);
      await startWorker({ DIRECT_CHUNKS: 'false' });
      await startWorker({ DIRECT_CHUNKS: 'false' });
      const job = await startImport('kill-merge');
      const holder = await waitFor('a merge task held by a worker that is not staging', async () => {
        const p = await jobProgressRow(s.databaseUrl, job.id);
        if (p.merged_chunks < 20) return undefined;
        const holders = await taskHolders(s.databaseUrl, job.id);
        const stagers = new Set(holders.filter((h) => h.task === 'import_stage').map((h) => h.pid));
        return holders.find((h) => h.task === 'import_merge' && !stagers.has(h.pid));
      });
      const victim = processOf(holder.pid);
      const killedAt = Date.now();
      victim.kill('SIGKILL');
      await victim.ended;

      const resumedAfter = await secondsUntilTakenOver(job.id, holder.poolId, killedAt);
      console.log(`[faults] SIGKILL mid-merge: its merge tasks were taken over after ${resumedAfter.toFixed(1)} s`);
      expect(resumedAfter).toBeLessThan(30);
      expect(await finish(job)).toEqual(baseline);
      for (const w of workers.splice(0)) await w.stop(10_000);
      await startWorker();
      await startWorker();
    },
    FAULT_TEST_TIMEOUT,
  );
});

describe('a worker process sent SIGTERM (a deploy)', () => {
  it(
    'should hand its stage task back, exit 0 within 10 s, and let the other worker finish exactly',
    async () => {
      const job = await startImport('sigterm');
      const holder = await waitFor('the stage task a quarter through the file', async () => {
        const p = await jobProgressRow(s.databaseUrl, job.id);
        if (p.total_chunks !== null || p.staged_chunks < 40) return undefined;
        return (await taskHolders(s.databaseUrl, job.id)).find((h) => h.task === 'import_stage');
      });
      const victim = processOf(holder.pid);
      const sentAt = Date.now();
      victim.kill('SIGTERM');
      const how = await victim.ended;
      const exitSeconds = (Date.now() - sentAt) / 1000;
      console.log(`[faults] SIGTERM mid-stage: the worker exited (${how}) after ${exitSeconds.toFixed(1)} s`);
      expect(how).toBe('exit code 0');
      expect(exitSeconds).toBeLessThan(10);
      expect(victim.tail(50)).toMatch(/handed back|handing back/);
      expect(await finish(job)).toEqual(baseline);
      await startWorker();
    },
    FAULT_TEST_TIMEOUT,
  );
});

describe('a worker that was paused while the reaper gave its task to another (split brain)', () => {
  it(
    'should not commit when it wakes: the import ends exactly as an uninterrupted run',
    async () => {
      const job = await startImport('paused');
      const holder = await waitFor('the stage task a quarter through the file', async () => {
        const p = await jobProgressRow(s.databaseUrl, job.id);
        if (p.total_chunks !== null || p.staged_chunks < 40) return undefined;
        return (await taskHolders(s.databaseUrl, job.id)).find((h) => h.task === 'import_stage');
      });
      const sleeper = processOf(holder.pid);
      sleeper.kill('SIGSTOP');
      let whileAsleep: ImportOutcome;
      try {
        // The other worker's reaper frees the task and ends the sleeper's sessions; the import finishes there.
        whileAsleep = await finish(job);
      } finally {
        sleeper.kill('SIGCONT');
      }
      expect(whileAsleep).toEqual(baseline);
      // Awake again, it finds its transactions gone and its task held by no one it knows: nothing more commits.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect(await importOutcome(s.databaseUrl, job.id)).toEqual(baseline);
      expect(sleeper.isRunning()).toBe(true); // it woke up, found it had lost the task, and carries on
    },
    FAULT_TEST_TIMEOUT,
  );
});
