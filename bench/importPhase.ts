/**
 * One timed import through the real API: upload → COMPLETED, with a progress line every second,
 * the worker's and the API's peak memory, CPU used by each process, and PostgreSQL's side.
 */
import type { AppProcess } from '../test/helpers/appProcess.ts';
import { checkpoint, walPosition, withClient } from './benchDatabase.ts';
import type { DatabaseMonitor, MonitorReport } from './databaseMonitor.ts';
import { fetchJob, uploadImport, waitForTerminal, type JobFigures, type ProgressEvent } from './importClient.ts';
import { ForeignCpuTracker, cpuSeconds, machineCpu, postgresCpu, postgresCpuDelta, readMemory, resetPeakRss } from './procStats.ts';

export interface PhaseSetup {
  apiUrl: string;
  wsUrl: string;
  databaseUrl: string;
  databaseName: string;
  token: string;
  csvPath: string;
  api: AppProcess;
  worker: AppProcess;
  monitor: DatabaseMonitor;
  timeoutMs: number;
}

export interface PhaseResult {
  jobId: string;
  seconds: number;
  uploadSeconds: number;
  /** From the start of the upload, bench clock; null when not observed. */
  startedAtSeconds: number | null;
  completedAtSeconds: number | null;
  job: JobFigures;
  workerPeakMb: number;
  apiPeakMb: number;
  /**
   * CPU seconds used during the phase. postgres: our database's backends and the server-wide helpers;
   * foreign: processes outside the benchmark (other people's work on a shared machine).
   */
  cpu: { worker: number; api: number; postgres: number; bench: number; foreign: number; machineBusy: number; iowait: number };
  monitor: MonitorReport;
  /** WAL the server wrote during the phase (server-wide: other databases' writes count too). */
  walMb: number;
  /** The outside processes that used the most CPU meanwhile. */
  foreignTop: string[];
}

export async function runImportPhase(s: PhaseSetup, title: string, input: Record<string, unknown>): Promise<PhaseResult> {
  console.log(`\n== ${title}`);
  await checkpoint(s.databaseUrl);
  const wal0 = await walPosition(s.databaseUrl);
  const peakResettable = resetPeakRss(s.worker.pid) && resetPeakRss(s.api.pid);
  const cpu0 = {
    worker: cpuSeconds(s.worker.pid),
    api: cpuSeconds(s.api.pid),
    postgres: postgresCpu(s.databaseName),
    foreign: new ForeignCpuTracker(s.databaseName),
    bench: process.cpuUsage(),
    machine: machineCpu(),
  };
  let sampledPeak = { worker: 0, api: 0 };
  let last: ProgressEvent | undefined;
  const sampleMemory = setInterval(() => {
    sampledPeak = {
      worker: Math.max(sampledPeak.worker, readMemory(s.worker.pid)?.rssMb ?? 0),
      api: Math.max(sampledPeak.api, readMemory(s.api.pid)?.rssMb ?? 0),
    };
  }, 100);

  const wallStart = Date.now();
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const processDied = Promise.race([s.worker.exited, s.api.exited]);
  const printProgress = setInterval(() => console.log(progressLine(elapsed(), last, s)), 1000);
  try {
    const jobId = await Promise.race([uploadImport(s.apiUrl, s.token, s.csvPath, input), processDied]);
    const uploadSeconds = elapsed();
    console.log(`  upload stored and queued in ${uploadSeconds.toFixed(2)} s: job ${jobId}`);
    s.monitor.start(jobId, t0);
    const final = await Promise.race([waitForTerminal(s.wsUrl, s.token, jobId, (e) => (last = e), s.timeoutMs), processDied]);
    const seconds = elapsed();
    clearInterval(printProgress);
    console.log(progressLine(seconds, final, s));
    const monitor = await s.monitor.stop();
    const pg = postgresCpuDelta(cpu0.postgres, postgresCpu(s.databaseName));
    const cpu = {
      worker: cpuSeconds(s.worker.pid) - cpu0.worker,
      // One process (role all) is counted once, as the worker.
      api: s.api === s.worker ? 0 : cpuSeconds(s.api.pid) - cpu0.api,
      postgres: pg.ours + pg.shared,
      foreign: cpu0.foreign.stop(),
      bench: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpu0.bench)),
      machineBusy: machineCpu().busySeconds - cpu0.machine.busySeconds,
      iowait: machineCpu().iowaitSeconds - cpu0.machine.iowaitSeconds,
    };
    const walMb = ((await walPosition(s.databaseUrl)) - wal0) / 1e6;
    const job = await fetchJob(s.apiUrl, s.token, jobId);
    const at = (iso: string | null) => (iso ? (Date.parse(iso) - wallStart) / 1000 : null);
    const memory = { worker: readMemory(s.worker.pid), api: readMemory(s.api.pid) };
    return {
      jobId,
      seconds,
      uploadSeconds,
      startedAtSeconds: at(job.startedAt),
      completedAtSeconds: at(job.completedAt),
      job,
      // VmHWM is exact (the kernel's own peak); the 100 ms samples are a fallback if it could not be reset.
      workerPeakMb: peakResettable ? (memory.worker?.peakMb ?? sampledPeak.worker) : sampledPeak.worker,
      apiPeakMb: peakResettable ? (memory.api?.peakMb ?? sampledPeak.api) : sampledPeak.api,
      cpu,
      monitor,
      walMb,
      foreignTop: cpu0.foreign.top(),
    };
  } finally {
    clearInterval(printProgress);
    clearInterval(sampleMemory);
    cpu0.foreign.stop();
    await s.monitor.stop();
  }
}

function progressLine(t: number, e: ProgressEvent | undefined, s: PhaseSetup): string {
  const n = (v: number | null | undefined) => (v ?? 0).toLocaleString('en');
  const db = s.monitor.latest;
  const mb = (p: AppProcess) => `${(readMemory(p.pid)?.rssMb ?? 0).toFixed(0)} MB`;
  const parts = [
    `  [${t.toFixed(1).padStart(6)} s]`,
    (e?.status ?? 'UPLOADING').padEnd(9),
    `merged ${n(e?.processedRows).padStart(11)}${e?.totalRows != null ? ` / ${n(e.totalRows)}` : ''}`,
    `${(e?.percent ?? 0).toFixed(1).padStart(5)}%`,
    `staged ${n(db?.stagedRows).padStart(11)}`,
    `${n(Math.round(e?.rowsPerSecond ?? 0)).padStart(8)} rows/s`,
    `ETA ${e?.etaSeconds ?? '?'} s`,
    `worker ${mb(s.worker)}, api ${mb(s.api)}`,
  ];
  return parts.join('  ');
}

/** Rows of the workspace in contacts, and rows this job wrote (import_job_id). */
export async function countContacts(url: string, workspaceId: string, jobId: string): Promise<{ total: number; writtenByJob: number }> {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE import_job_id = $2)::int AS written FROM contacts WHERE workspace_id = $1`,
      [workspaceId, jobId],
    );
    return { total: rows[0].total, writtenByJob: rows[0].written };
  });
}
