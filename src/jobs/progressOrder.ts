import type { ProgressEvent } from './progressBus.ts';
import { isTerminal, type JobStatus } from './jobStatus.ts';

/** Statuses only move forward: QUEUED, then RUNNING, then one terminal status. */
const STATUS_RANK: Record<JobStatus, number> = { QUEUED: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2, CANCELLED: 2 };

/**
 * May a subscriber that was last sent `last` be sent `next`? INVARIANT: a subscriber never sees
 * progress go backwards, whatever order the bus and the PostgreSQL re-reads deliver states in (a
 * Redis that was paused delivers its backlog late). So: nothing after a terminal state; a terminal
 * state always; otherwise no lower status, row count or percent. An equal state may follow (a
 * re-read while the bus is quiet refreshes the rate and the ETA).
 */
export function mayFollow(last: ProgressEvent | undefined, next: ProgressEvent): boolean {
  if (!last) return true;
  if (isTerminal(last.status)) return false;
  if (isTerminal(next.status)) return true;
  return (
    STATUS_RANK[next.status] >= STATUS_RANK[last.status] &&
    next.processedRows >= last.processedRows &&
    next.succeededRows >= last.succeededRows &&
    next.failedRows >= last.failedRows &&
    next.percent >= last.percent
  );
}

/** The more advanced of two states of one job (`a` when neither may follow the other). */
export function laterOf(a: ProgressEvent, b: ProgressEvent | undefined): ProgressEvent {
  return b && mayFollow(a, b) ? b : a;
}

/**
 * Is `next` news after `last`: a state that may follow it (mayFollow) and differs from it in status,
 * a row count or percent? A repeat of the same progress (with a refreshed rate or ETA) is not.
 */
export function isAhead(last: ProgressEvent | undefined, next: ProgressEvent): boolean {
  if (!last) return true;
  if (!mayFollow(last, next)) return false;
  return (
    next.status !== last.status ||
    next.totalRows !== last.totalRows ||
    next.processedRows !== last.processedRows ||
    next.succeededRows !== last.succeededRows ||
    next.failedRows !== last.failedRows ||
    next.percent !== last.percent
  );
}
