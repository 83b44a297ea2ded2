/**
 * Watches an import from PostgreSQL's side while it runs, on one connection of its own: the job's
 * staging and merge cursors (when did staging finish?) and a sampling profile of what the server's
 * backends for this database are doing (which statement, waiting on what).
 */
import pg from 'pg';

export interface JobCursor {
  status: string;
  stagedRows: number;
  stagedChunks: number;
  totalChunks: number | null;
  processedRows: number;
  mergedChunks: number;
}

export interface MonitorReport {
  /**
   * When staging had read the whole file (total_chunks set), in seconds from the phase start, at
   * the first sample that saw it; null when the job completed before a sample saw it.
   */
  stagingDoneSeconds: number | null;
  /** The last sample at which staging was still running, so it ended after this. */
  stagingRunningSeconds: number | null;
  samples: number;
  /** How long it watched, in seconds: samples / seconds is the real sampling rate. */
  seconds: number;
  /** [what, samples], most frequent first: "active CPU: WITH src AS ..." etc. */
  activity: Array<[string, number]>;
}

const INTERVAL_MS = 200;

function label(state: string, wait: string | null, query: string): string {
  const q = query
    .replace(/\s+/g, ' ')
    .replace(/bulkport_staging\."j_[0-9a-f]+_(\w+)"/g, 'staging.$1')
    .replace(/\$\d+/g, '$')
    .trim()
    .slice(0, 72);
  const s = state === 'active' ? `active ${wait ?? 'on CPU'}` : state === 'idle in transaction' ? 'idle in transaction (client busy)' : state;
  return `${s.padEnd(34)} ${q}`;
}

export class DatabaseMonitor {
  latest: JobCursor | undefined;
  private readonly counts = new Map<string, number>();
  private samples = 0;
  private started = 0;
  private watchedFrom = 0;
  private stagingDoneAt: number | null = null;
  private stagingRunningAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private active = false;

  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<DatabaseMonitor> {
    const client = new pg.Client({ connectionString: url, application_name: 'bulkport-bench-monitor' });
    await client.connect();
    return new DatabaseMonitor(client);
  }

  start(jobId: string, startedAt: number): void {
    this.counts.clear();
    this.samples = 0;
    this.stagingDoneAt = null;
    this.stagingRunningAt = null;
    this.latest = undefined;
    this.started = startedAt;
    this.watchedFrom = performance.now();
    this.active = true;
    const tick = () => {
      if (!this.active) return;
      this.running = this.sample(jobId)
        .catch(() => undefined)
        .then(() => {
          if (this.active) this.timer = setTimeout(tick, INTERVAL_MS);
        });
    };
    tick();
  }

  /** Idempotent. */
  async stop(): Promise<MonitorReport> {
    this.active = false;
    clearTimeout(this.timer);
    await this.running;
    this.latest = undefined; // the next phase must not show this job's cursor
    return {
      stagingDoneSeconds: this.stagingDoneAt === null ? null : (this.stagingDoneAt - this.started) / 1000,
      stagingRunningSeconds: this.stagingRunningAt === null ? null : (this.stagingRunningAt - this.started) / 1000,
      samples: this.samples,
      seconds: (performance.now() - this.watchedFrom) / 1000,
      activity: [...this.counts.entries()].sort((a, b) => b[1] - a[1]),
    };
  }

  async close(): Promise<void> {
    await this.stop();
    await this.client.end().catch(() => undefined);
  }

  private async sample(jobId: string): Promise<void> {
    const { rows } = await this.client.query(
      `SELECT (SELECT row_to_json(j) FROM (SELECT status, staged_rows AS "stagedRows", staged_chunks AS "stagedChunks",
                 total_chunks AS "totalChunks", processed_rows AS "processedRows", merged_chunks AS "mergedChunks"
               FROM jobs WHERE id = $1) j) AS job,
              COALESCE((SELECT json_agg(json_build_object('state', state, 'wait', wait_event_type || ':' || wait_event, 'query', left(query, 300)))
                        FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                          AND state <> 'idle'), '[]') AS activity`,
      [jobId],
    );
    const now = performance.now();
    const job = rows[0].job as JobCursor | null;
    if (job) {
      this.latest = job;
      if (job.totalChunks === null && job.status === 'RUNNING') this.stagingRunningAt = now;
      else if (job.totalChunks !== null && this.stagingDoneAt === null) this.stagingDoneAt = now;
    }
    this.samples++;
    for (const a of rows[0].activity as Array<{ state: string; wait: string | null; query: string }>) {
      const key = label(a.state, a.wait, a.query);
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }
}
