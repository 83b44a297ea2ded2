import { announceJob } from '../jobs/announceJob.ts';
import type { ExportJob, ImportJob, JobRecord, RevertJob } from '../jobs/jobRecord.ts';
import { isTerminal } from '../jobs/jobStatus.ts';
import { loadJob } from '../jobs/state/loadJob.ts';
import { markRunning } from '../jobs/state/markRunning.ts';
import { HandBack } from '../jobs/taskLease.ts';
import { mayStart } from '../workspaces/admission.ts';
import { loadLimits } from '../workspaces/workspaceLimits.ts';
import type { WorkerContext } from './workerContext.ts';

/** How long a job waiting for a slot in its workspace waits before it looks again. */
const SLOT_WAIT_MS = 1000;

type JobOfKind = { IMPORT: ImportJob; EXPORT: ExportJob; REVERT: RevertJob };

/**
 * The first steps of a job's first task: nothing to do if the job has ended; a QUEUED job waits
 * (HandBack, no attempt spent) while its workspace runs as many jobs as it may, then becomes
 * RUNNING and is announced. Returns the RUNNING job, or null when there is nothing to do.
 */
export async function startJob<K extends keyof JobOfKind>(ctx: WorkerContext, jobId: string, kind: K): Promise<JobOfKind[K] | null> {
  const existing = await loadJob(ctx.pool, jobId);
  if (!existing || isTerminal(existing.status) || existing.kind !== kind) return null;
  if (existing.status === 'QUEUED') {
    const { maxConcurrentJobs } = await loadLimits(ctx.pool, ctx.config, existing.workspaceId);
    if (!(await mayStart(ctx.pool, existing, maxConcurrentJobs))) {
      throw new HandBack(`waits: its workspace already runs ${maxConcurrentJobs} job(s)`, SLOT_WAIT_MS);
    }
  }
  const job = await markRunning(ctx.pool, jobId);
  if (!job) return null;
  if (existing.status === 'QUEUED') await announceJob(ctx, job);
  return job as JobRecord as JobOfKind[K];
}
