import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.ts';
import { JOB_COLUMNS, type JobRecord } from '../../src/jobs/jobRecord.ts';
import { JobWatches } from '../../src/jobs/jobWatches.ts';
import { toProgressEvent } from '../../src/jobs/progressMath.ts';
import { MemoryProgressBus } from '../../src/progress/memoryProgressBus.ts';
import type { ProgressBus, ProgressEvent } from '../../src/jobs/progressBus.ts';
import { createTestDatabase } from '../helpers/testDatabase.ts';

// The domain side of live progress, without GraphQL: JobWatches against a real PostgreSQL and the
// in-process bus. Jobs are rows written here; the test plays the worker (UPDATE, then publish).

const QUIET_MS = 200;

/** The real in-process bus, counting the subscriptions it holds (to see that leaving releases them). */
class CountingBus implements ProgressBus {
  readonly inner = new MemoryProgressBus();
  subscriptions = 0;
  publish(event: ProgressEvent) {
    return this.inner.publish(event);
  }
  async subscribe(jobId: string, listener: (event: ProgressEvent) => void) {
    const unsubscribe = await this.inner.subscribe(jobId, listener);
    this.subscriptions++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.subscriptions--;
      unsubscribe();
    };
  }
  isReachable() {
    return this.inner.isReachable();
  }
  close() {
    return this.inner.close();
  }
}

let db: { url: string; drop: () => Promise<void> };
let pool: pg.Pool;
let workspaceId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, 4);
  workspaceId = (await pool.query(`INSERT INTO workspaces (id, name) VALUES (gen_random_uuid(), 'watches') RETURNING id`)).rows[0].id;
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

let watches: JobWatches | undefined;
let bus: CountingBus;
afterEach(async () => {
  await watches?.close();
  watches = undefined;
});
function startWatches(): JobWatches {
  bus = new CountingBus();
  watches = new JobWatches({ pool, bus }, QUIET_MS);
  return watches;
}

async function newJob(): Promise<JobRecord> {
  const { rows } = await pool.query<JobRecord>(
    `INSERT INTO jobs (id, workspace_id, kind, entity, status) VALUES (gen_random_uuid(), $1, 'IMPORT', 'CONTACTS', 'QUEUED') RETURNING ${JOB_COLUMNS}`,
    [workspaceId],
  );
  return rows[0];
}

/** What a worker does after a chunk: commit the counters, then publish what it committed. */
async function progress(jobId: string, processedRows: number, status = 'RUNNING', publish = true): Promise<ProgressEvent> {
  const { rows } = await pool.query<JobRecord>(
    `UPDATE jobs SET status = $2::text::"JobStatus", total_rows = 10000, processed_rows = $3::int, succeeded_rows = $3::int, percent = $3::int / 100.0,
       started_at = COALESCE(started_at, now()), completed_at = CASE WHEN $2::text = 'COMPLETED' THEN now() END
     WHERE id = $1 RETURNING ${JOB_COLUMNS}`,
    [jobId, status, processedRows],
  );
  const event = toProgressEvent(rows[0]);
  if (publish) await bus.publish(event);
  return event;
}

/** Reads a stream to its end in the background. */
function drain(stream: AsyncIterableIterator<ProgressEvent>): { events: ProgressEvent[]; done: Promise<ProgressEvent[]> } {
  const events: ProgressEvent[] = [];
  const done = (async () => {
    for await (const e of stream) events.push(e);
    return events;
  })();
  return { events, done };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('one watch per job, shared by its subscribers', () => {
  it('should read a quiet job once per quiet interval in all, however many subscribers it has', async () => {
    const w = startWatches();
    const job = await newJob();
    const readers = Array.from({ length: 50 }, () => drain(w.watch(job)));
    expect(w.stats()).toMatchObject({ jobs: 1, subscribers: 50 });
    await until(() => bus.subscriptions === 1, 'the bus subscription');
    await sleep(QUIET_MS);
    expect(bus.subscriptions).toBe(1);

    const before = w.stats().reads;
    await sleep(QUIET_MS * 5);
    const reads = w.stats().reads - before;
    // One subscriber per poller would make this 50 times larger.
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(6);
    // Every re-read reached every subscriber (QUEUED again and again: equal states may repeat).
    for (const r of readers) expect(r.events.length).toBeGreaterThanOrEqual(reads);
    await progress(job.id, 10000, 'COMPLETED');
    for (const r of readers) expect((await r.done).at(-1)).toMatchObject({ status: 'COMPLETED', processedRows: 10000 });
  });

  it('should not send the subscribers already there a repeat of the state each new subscriber read', async () => {
    const w = startWatches();
    const job = await newJob();
    const readers: Array<ReturnType<typeof drain>> = [];
    for (let i = 0; i < 20; i++) {
      readers.push(drain(w.watch(job))); // `job` as a subscriber's own read finds it: the same QUEUED state
      await sleep(1); // each joins on its own, as subscriptions arrive over the network
    }
    // The first reader: its first state, then at most one repeat per re-read, not one per later subscriber.
    expect(readers[0].events.length).toBeLessThanOrEqual(1 + w.stats().reads);
    await progress(job.id, 10000, 'COMPLETED');
    for (const r of readers) expect((await r.done).at(-1)).toMatchObject({ status: 'COMPLETED' });
  });

  it('should read every due job of the process in one query', async () => {
    const w = startWatches();
    const jobs = await Promise.all(Array.from({ length: 5 }, () => newJob()));
    for (const job of jobs) for (let i = 0; i < 3; i++) drain(w.watch(job));
    expect(w.stats()).toMatchObject({ jobs: 5, subscribers: 15 });
    const before = w.stats();
    await sleep(QUIET_MS * 5);
    const after = w.stats();
    expect(after.reads - before.reads).toBeLessThanOrEqual(6);
    expect(after.jobsRead - before.jobsRead).toBe(5 * (after.reads - before.reads));
  });

  it('should not re-read a job while the bus keeps talking about it', async () => {
    const w = startWatches();
    const job = await newJob();
    const r = drain(w.watch(job));
    await until(() => w.stats().reads >= 1, 'the first read'); // made at once, in case SUBSCRIBE came late
    const before = w.stats().reads;
    for (let rows = 100; rows <= 2000; rows += 100) {
      await progress(job.id, rows);
      await sleep(QUIET_MS / 4);
    }
    expect(w.stats().reads).toBe(before);
    expect(r.events.at(-1)).toMatchObject({ processedRows: 2000 });
  });
});

describe('what a subscriber is sent', () => {
  it('should send a late subscriber the newest state at once, even when its own read is older', async () => {
    const w = startWatches();
    const stale = await newJob();
    const early = drain(w.watch(stale));
    await progress(stale.id, 3000);
    await until(() => early.events.at(-1)?.processedRows === 3000, 'the bus event');
    const late = w.watch(stale); // `stale` is the row as it was before any progress
    const first = await late.next();
    expect(first.value).toMatchObject({ status: 'RUNNING', processedRows: 3000 });
    await late.return?.();
  });

  it('should never send a state lower than one already sent, whatever order the bus and PostgreSQL deliver them in', async () => {
    const w = startWatches();
    const job = await newJob();
    const r = drain(w.watch(job));
    const old = await progress(job.id, 1000, 'RUNNING', false);
    await progress(job.id, 5000, 'RUNNING', false); // committed, not published: only a re-read finds it
    await until(() => r.events.at(-1)?.processedRows === 5000, 'the re-read');
    await bus.publish(old); // a paused Redis delivering its backlog late
    await progress(job.id, 6000);
    await progress(job.id, 10000, 'COMPLETED');
    const events = await r.done;
    for (let i = 1; i < events.length; i++) expect(events[i].processedRows).toBeGreaterThanOrEqual(events[i - 1].processedRows);
    expect(events.filter((e) => e.status === 'COMPLETED')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', processedRows: 10000 });
  });

  it('should deliver the terminal state found by a re-read when the bus lost it, then end', async () => {
    const w = startWatches();
    const job = await newJob();
    const r = drain(w.watch(job));
    await progress(job.id, 10000, 'COMPLETED', false);
    expect((await r.done).at(-1)).toMatchObject({ status: 'COMPLETED', processedRows: 10000 });
  });

  it('should end the streams of a job that no longer exists', async () => {
    const w = startWatches();
    const job = await newJob();
    const r = drain(w.watch(job));
    await pool.query('DELETE FROM jobs WHERE id = $1', [job.id]);
    await r.done;
    expect(w.stats()).toMatchObject({ jobs: 0, subscribers: 0 });
  });
});

describe('releasing', () => {
  it('should release a subscriber at once when it leaves while waiting, and stop the watch with the last one', async () => {
    const w = startWatches();
    const job = await newJob();
    const a = w.watch(job);
    const b = w.watch(job);
    await a.next();
    await b.next();
    const waiting = a.next(); // nothing new: waits for the bus or the next re-read
    await a.return?.();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(w.stats()).toMatchObject({ jobs: 1, subscribers: 1 });
    await until(() => bus.subscriptions === 1, 'the bus subscription');

    await b.return?.();
    expect(w.stats()).toMatchObject({ jobs: 0, subscribers: 0 });
    await until(() => bus.subscriptions === 0, 'the bus subscription to be released');
    // No timer left: nothing is read any more.
    const reads = w.stats().reads;
    await sleep(QUIET_MS * 3);
    expect(w.stats().reads).toBe(reads);
  });

  it('should end every stream on close, read nothing afterwards, and leave the pool usable to end', async () => {
    const w = startWatches();
    const jobs = [await newJob(), await newJob()];
    const readers = jobs.flatMap((job) => [drain(w.watch(job)), drain(w.watch(job))]);
    await sleep(QUIET_MS * 2);
    await w.close();
    for (const r of readers) await r.done;
    expect(w.stats()).toMatchObject({ jobs: 0, subscribers: 0 });
    await until(() => bus.subscriptions === 0, 'every bus subscription to be released');
    const reads = w.stats().reads;
    await sleep(QUIET_MS * 3);
    expect(w.stats().reads).toBe(reads);
  });
});
