import type { ChunkBuffer } from '../../imports/chunkBuffer.ts';
import type { DirectRefusal } from '../../imports/directChunk.ts';
import { stageFile } from '../../imports/stageFile.ts';
import type { StagingLost } from '../../imports/stagingLost.ts';
import type { JobRecord } from '../../jobs/jobRecord.ts';
import { jobLogger } from '../../observability/logger.ts';
import { announceJob } from '../../jobs/announceJob.ts';
import { markFailed } from '../../jobs/state/markFailed.ts';
import type { WorkerContext } from '../workerContext.ts';
import { jobTask } from '../runJobTask.ts';
import { startJob } from '../startJob.ts';

const UNIQUE_VIOLATION = '23505';

/** Task `import_stage` {jobId}: reads the uploaded file; merges each chunk at once while it can (directChunk.ts), else stages it and queues its merge. */
export function importStage(ctx: WorkerContext) {
  return jobTask(ctx, 'import_stage', async ({ jobId }, lease) => {
    const job = await startJob(ctx, jobId, 'IMPORT');
    if (!job) return;
    const { chunkSize, maxChunkBytes, maxRowErrors, keyFilterBits, directChunks, parseThreadMinBytes } = ctx.config;
    const onChunkMerged = async (merged: JobRecord, chunk: ChunkBuffer) => {
      const rows = chunk.rowCount - chunk.deferredCount;
      ctx.metrics.rowsMerged(merged.entity, rows, chunk.rejectedCount);
      jobLogger({ jobId, workspace: job.workspaceId, task: 'import_stage', chunk: chunk.chunk }).info(
        { rows, failed: chunk.rejectedCount },
        'chunk merged directly',
      );
      await announceJob(ctx, merged);
    };
    // Expected once per import that meets an existing key (23505); anything else is worth a look: the
    // import stays exact (its chunks merge), only slower.
    const onDirectRefused = (why: DirectRefusal, chunk: ChunkBuffer) => {
      const log = jobLogger({ jobId, workspace: job.workspaceId, task: 'import_stage', chunk: chunk.chunk });
      if (why.code === UNIQUE_VIOLATION) log.info('direct path refused: a key of this chunk already exists; this chunk and the rest are merged');
      else log.warn({ code: why.code, reason: why.message }, 'direct path refused by PostgreSQL; this chunk and the rest are merged');
    };
    const onRepair = (lost: StagingLost) => {
      jobLogger({ jobId, workspace: job.workspaceId, task: 'import_stage' }).warn(lost.message);
      ctx.metrics.restaged();
    };
    const deps = {
      pool: ctx.pool,
      store: ctx.store,
      chunkSize,
      maxChunkBytes,
      maxRowErrors,
      keyFilterBits,
      directChunks,
      parseThreadMinBytes,
      limits: ctx.config,
      onChunkMerged,
      onDirectRefused,
      onRepair,
    };
    const outcome = await stageFile(deps, job, lease);
    // A file that is not an importable CSV fails on the first attempt: reading it again changes nothing.
    if (outcome.kind === 'rejected') await announceJob(ctx, await markFailed(ctx.pool, jobId, outcome.reason));
    else await announceJob(ctx, outcome.job);
  });
}
