/**
 * Memory and CPU figures of local processes, read from Linux's /proc. The benchmark runs on the
 * same machine as its database, so PostgreSQL's processes are visible here too.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the benchmark targets (getconf CLK_TCK)

export interface MemorySample {
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size (VmHWM) since start or since the last resetPeakRss, MB. */
  peakMb: number;
}

/** Null once the process has gone. */
export function readMemory(pid: number): MemorySample | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** Resets VmHWM to the current RSS (clear_refs 5), so each phase reports its own peak. False if refused. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Fields of /proc/<pid>/stat after "pid (comm) ": index 0 is field 3 (state). */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** User + system CPU seconds the process has used; its reaped children's too when withChildren. */
export function cpuSeconds(pid: number | string, withChildren = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  // utime = field 14, stime = 15, cutime = 16, cstime = 17
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds of every live PostgreSQL process, by pid, with what it serves. */
export type PostgresCpuSnapshot = Map<string, { seconds: number; kind: 'ours' | 'shared' | 'others' }>;

/**
 * PostgreSQL's processes show what they serve in their command line ("postgres: 15/main: postgres
 * <database> 127.0.0.1(5432) idle", "postgres: 15/main: walwriter"): backends and autovacuum workers
 * of our database are 'ours', the server-wide helpers (checkpointer, WAL writer, ...) 'shared', and
 * backends of other databases (other people's tests on the same server) 'others'.
 */
export function postgresCpu(database: string): PostgresCpuSnapshot {
  const snapshot: PostgresCpuSnapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    let cmdline: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm !== 'postgres') continue;
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    const kind = ` ${cmdline} `.includes(` ${database} `)
      ? 'ours'
      : /: (checkpointer|background writer|walwriter|autovacuum launcher|logical replication launcher|archiver)/.test(cmdline)
        ? 'shared'
        : 'others';
    snapshot.set(entry, { seconds: cpuSeconds(entry), kind });
  }
  return snapshot;
}

/** CPU used between two snapshots, by kind. A process that exited in between is not counted. */
export function postgresCpuDelta(before: PostgresCpuSnapshot, after: PostgresCpuSnapshot): Record<'ours' | 'shared' | 'others', number> {
  const total = { ours: 0, shared: 0, others: 0 };
  for (const [pid, { seconds, kind }] of after) total[kind] += seconds - (before.get(pid)?.seconds ?? 0);
  return total;
}

export interface MachineCpu {
  busySeconds: number;
  iowaitSeconds: number;
}

/** Machine-wide CPU seconds, summed over all cores, since boot. */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, , iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return {
    busySeconds: (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND,
    iowaitSeconds: iowait! / TICKS_PER_SECOND,
  };
}

/**
 * CPU seconds of every live process that is not part of this benchmark: not the benchmark or its
 * children (API, worker, psql), not a kernel thread, not a PostgreSQL process of ours or shared.
 * On a shared machine (other people's tests, type checks) this says how disturbed a phase was.
 */
export function foreignCpu(database: string): Map<string, number> {
  const parent = new Map<string, string>();
  const cpu = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    // A zombie has lost its command line (an exited backend would pass for someone else's) and uses no more CPU.
    if (!f || f[0] === 'Z') continue;
    parent.set(entry, f[1]!);
    cpu.set(entry, (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND);
  }
  const ours = postgresCpu(database);
  const self = String(process.pid);
  const isOurs = (pid: string): boolean => {
    for (let p: string | undefined = pid, depth = 0; p && p !== '1' && depth < 64; p = parent.get(p), depth++) {
      if (p === self) return true;
    }
    return false;
  };
  const foreign = new Map<string, number>();
  for (const [pid, seconds] of cpu) {
    if (pid === '2' || parent.get(pid) === '2') continue; // kernel threads
    // A process that is exiting has lost its command line (an exited backend of ours would pass for someone else's).
    if (commandLine(pid) === '') continue;
    const pg = ours.get(pid);
    if (pg && pg.kind !== 'others') continue;
    if (isOurs(pid)) continue;
    foreign.set(pid, seconds);
  }
  return foreign;
}

/**
 * CPU used by processes outside the benchmark while it watched: /proc is read every 500 ms, so a
 * process that starts and exits in between (a test run's worker) is still counted, up to its last
 * sample.
 */
export class ForeignCpuTracker {
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly database: string) {
    for (const [pid, seconds] of foreignCpu(database)) {
      this.first.set(pid, seconds);
      this.names.set(pid, commandLine(pid));
    }
    this.timer = setInterval(() => this.sample(), 500);
  }

  private sample(): void {
    for (const [pid, seconds] of foreignCpu(this.database)) {
      if (!this.first.has(pid)) this.first.set(pid, 0); // started after us: all its time is in our window
      this.last.set(pid, seconds);
      if (!this.names.has(pid)) this.names.set(pid, commandLine(pid));
    }
  }

  /** CPU seconds used so far; stops sampling. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    let total = 0;
    for (const [pid, seconds] of this.last) total += seconds - (this.first.get(pid) ?? 0);
    return total;
  }

  /** The processes that used the most CPU, for a warning: "12.3 s  node vitest run". */
  top(count = 3): string[] {
    return [...this.last]
      .map(([pid, seconds]) => [pid, seconds - (this.first.get(pid) ?? 0)] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .filter(([, seconds]) => seconds >= 0.1)
      .map(([pid, seconds]) => `${seconds.toFixed(1)} s  pid ${pid}: ${this.names.get(pid) ?? '?'}`);
  }
}

/** '' when the process has gone or is exiting. */
function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 100);
  } catch {
    return '';
  }
}
