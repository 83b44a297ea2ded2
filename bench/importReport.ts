/** What bench/import.ts prints: each phase's breakdown, then the side-by-side table with the targets. */
import { availableParallelism } from 'node:os';
import type { PhaseResult } from './importPhase.ts';

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

// Shares are medians over the rounds. 66%: the performance issue's target for both (the resilience
// issue asked 50% and 40%, which these imply).
const TARGETS = { importShare: 0.66, reimportShare: 0.66, workerPeakMb: 200, singleProcessPeakMb: 300 };

const n = (v: number) => Math.round(v).toLocaleString('en');
const s = (v: number | null) => (v === null ? '?' : v.toFixed(2));

/** Share of the machine's CPU that live processes outside the benchmark used during a phase. */
export function disturbance(foreignSeconds: number, seconds: number): number {
  return Math.max(0, foreignSeconds) / (availableParallelism() * seconds);
}

export function printPhaseDetails(r: PhaseResult): void {
  const rows = r.job.processedRows;
  // Staging's end is sampled: the first sample that saw it finished, or else (it finished just before
  // the job completed) somewhere between the last sample that saw it running and completion.
  const seen = r.monitor.stagingDoneSeconds;
  const doneBy = seen !== null && r.completedAtSeconds !== null ? Math.min(seen, r.completedAtSeconds) : (seen ?? r.completedAtSeconds);
  const staging = doneBy !== null && r.startedAtSeconds !== null ? doneBy - r.startedAtSeconds : null;
  const stagingLabel =
    r.monitor.stagingDoneSeconds !== null
      ? 'whole file parsed, validated and staged (jobs.total_chunks set; first 200 ms sample that saw it)'
      : `whole file staged: after ${s(r.monitor.stagingRunningSeconds)} (last sample still staging), by completion`;
  console.log(`  timeline, seconds from the start of the upload:`);
  console.log(`    ${s(r.uploadSeconds).padStart(8)}  upload stored and job queued (startImport answered)`);
  console.log(`    ${s(r.startedAtSeconds).padStart(8)}  worker started the job (jobs.started_at)`);
  console.log(
    `    ${s(doneBy).padStart(8)}  ${stagingLabel}` + (staging && staging > 0 ? `: staging <= ${staging.toFixed(2)} s, >= ${n(rows / staging)} rows/s` : ''),
  );
  console.log(`    ${s(r.completedAtSeconds).padStart(8)}  last chunk merged, job COMPLETED (jobs.completed_at)`);
  console.log(`    ${s(r.seconds).padStart(8)}  COMPLETED event received over graphql-ws`);
  const cores = availableParallelism();
  const c = r.cpu;
  const unattributed = c.machineBusy - c.worker - c.api - c.postgres - c.bench - c.foreign;
  const core = (v: number, what = '') => `${v.toFixed(1)} (${((100 * v) / r.seconds).toFixed(0)}% of a core${what})`;
  console.log(
    `  CPU seconds: worker ${core(c.worker)}, PostgreSQL ${core(c.postgres, '; our backends, checkpointer, WAL writer')}, ` +
      `api ${c.api.toFixed(1)}, bench client ${c.bench.toFixed(1)}`,
  );
  console.log(
    `               machine busy ${c.machineBusy.toFixed(1)} of ${(cores * r.seconds).toFixed(1)} (${cores} cores); ` +
      `processes outside the benchmark ${c.foreign.toFixed(1)}, unattributed (kernel, exited processes) ${unattributed.toFixed(1)}, ` +
      `iowait ${c.iowait.toFixed(1)}`,
  );
  warnIfDisturbed(c.foreign, r.seconds, r.foreignTop);
  const m = r.monitor;
  if (m.samples > 0) {
    const perSample = m.seconds / m.samples; // the observed interval, sampling included
    console.log(`  PostgreSQL backends of this database, ${m.samples} samples (≈ backend-seconds; 'on CPU' = no wait event):`);
    for (const [what, count] of m.activity.slice(0, 8)) console.log(`    ${(count * perSample).toFixed(1).padStart(6)}  ${what}`);
  }
  console.log(`  WAL written ${r.walMb.toFixed(0)} MB; worker peak RSS ${r.workerPeakMb.toFixed(0)} MB, API peak RSS ${r.apiPeakMb.toFixed(0)} MB`);
}

export function warnIfDisturbed(foreignSeconds: number, seconds: number, top: string[] = []): void {
  const share = disturbance(foreignSeconds, seconds);
  if (share <= 0.05) return;
  console.log(`  WARNING: processes outside the benchmark used ${(100 * share).toFixed(0)}% of the machine meanwhile: figures are disturbed`);
  for (const line of top) console.log(`           ${line}`);
}

/** One round of the benchmark: the baseline, the import and the re-import, run one after the other. */
export interface Round {
  baseline: { seconds: number; rows: number; foreign: number; walMb: number };
  imported: PhaseResult;
  reimported: PhaseResult;
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** "median [min–max]" */
function spread(values: number[], digits: number, unit = ''): string {
  const f = (v: number) => v.toFixed(digits) + unit;
  return values.length === 1 ? f(values[0]!) : `${f(median(values))} [${f(Math.min(...values))}–${f(Math.max(...values))}]`;
}

export function printSummary(x: {
  rows: number;
  bytes: number;
  csvMb: number;
  rounds: Round[];
  checks: Check[];
  /** The API and the worker ran as one process (role all, `npm start`): its peak has its own target. */
  singleProcess?: boolean;
}): void {
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  // Each round's share is against the \copy of the same round: the machine's state moves both.
  const share = (r: Round, p: PhaseResult) => r.baseline.seconds / p.seconds;
  const rateRow = (name: string, seconds: number[], shares: number[] | null, walMb: number[], target?: number) => [
    name,
    spread(seconds, 2),
    n(x.rows / median(seconds)),
    shares
      ? spread(
          shares.map((v) => 100 * v),
          1,
          '%',
        )
      : '100%',
    spread(walMb, 0),
    target ? `>= ${100 * target}%` : '',
    target && shares ? verdict(median(shares) >= target) : '',
  ];
  const imports = x.rounds.map((r) => r.imported);
  const reimports = x.rounds.map((r) => r.reimported);
  const peak = (ps: PhaseResult[], f: (p: PhaseResult) => number) => Math.max(...ps.map(f));
  const workerPeak = Math.max(
    peak(imports, (p) => p.workerPeakMb),
    peak(reimports, (p) => p.workerPeakMb),
  );
  const peaks = (f: (p: PhaseResult) => number) => `${peak(imports, f).toFixed(0)} / ${peak(reimports, f).toFixed(0)} MB`;
  const memoryRows = x.singleProcess
    ? [
        [
          'API+worker (role all) peak RSS (import / re-import)',
          peaks((p) => p.workerPeakMb),
          '',
          '',
          '',
          `< ${TARGETS.singleProcessPeakMb} MB`,
          verdict(workerPeak < TARGETS.singleProcessPeakMb),
        ],
      ]
    : [
        [
          'worker peak RSS (import / re-import)',
          peaks((p) => p.workerPeakMb),
          '',
          '',
          '',
          `< ${TARGETS.workerPeakMb} MB`,
          verdict(workerPeak < TARGETS.workerPeakMb),
        ],
        ['API peak RSS (import / re-import)', peaks((p) => p.apiPeakMb), '', '', '', '', ''],
      ];
  const table = [
    ['', 'seconds', 'rows/s', '% of \\copy', 'WAL MB', 'target', 'result'],
    rateRow(
      'psql \\copy (baseline)',
      x.rounds.map((r) => r.baseline.seconds),
      null,
      x.rounds.map((r) => r.baseline.walMb),
    ),
    rateRow(
      'import, upload to COMPLETED',
      imports.map((p) => p.seconds),
      x.rounds.map((r) => share(r, r.imported)),
      imports.map((p) => p.walMb),
      TARGETS.importShare,
    ),
    rateRow(
      're-import UPDATE, upload to COMPLETED',
      reimports.map((p) => p.seconds),
      x.rounds.map((r) => share(r, r.reimported)),
      reimports.map((p) => p.walMb),
      TARGETS.reimportShare,
    ),
    ...memoryRows,
  ];
  const runs = x.rounds.length;
  console.log(
    `\n== summary: ${x.rows.toLocaleString('en')} rows, ${x.csvMb.toFixed(1)} MB CSV, ${availableParallelism()} cores, Node ${process.version}; ` +
      (runs > 1 ? `median [min–max] of ${runs} rounds, each import's share against its own round's \\copy` : 'one round'),
  );
  const widths = table[0]!.map((_, col) => Math.max(...table.map((row) => row[col]!.length)));
  for (const row of table) console.log(row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '));
  for (const r of x.rounds) if (r.baseline.rows !== x.rows) console.log(`WARNING: a baseline copied ${r.baseline.rows} rows, not ${x.rows}`);
  const pct = (foreign: number, seconds: number) => `${(100 * disturbance(foreign, seconds)).toFixed(0)}%`;
  console.log('machine used by processes outside the benchmark (above 5% the figures are disturbed), per round:');
  x.rounds.forEach((r, i) =>
    console.log(
      `  round ${i + 1}: baseline ${pct(r.baseline.foreign, r.baseline.seconds)}, import ${pct(r.imported.cpu.foreign, r.imported.seconds)}, ` +
        `re-import ${pct(r.reimported.cpu.foreign, r.reimported.seconds)}`,
    ),
  );
  console.log('\nexactness:');
  for (const c of x.checks) console.log(`  ${verdict(c.ok)}  ${c.what} (${c.detail})`);
}
