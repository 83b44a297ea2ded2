import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { CANCEL_JOB, isTerminal, type JobDetailFields } from '../api/operations.ts';
import { LiveProgress } from '../progress/LiveProgress.tsx';
import { useSession } from '../session/SessionContext.tsx';
import { JobOutcome } from './JobOutcome.tsx';
import { jobTitle } from './jobTitle.ts';
import { RowErrorsTable } from './RowErrorsTable.tsx';
import { useJob } from './useJob.ts';

/** A job's detail view: live progress while it runs; then the outcome and its row errors. */
export function JobPage() {
  const { id = '' } = useParams();
  const { load, reload } = useJob(id);
  return (
    <main id="main">
      <p>
        <Link to="/jobs">
          <span aria-hidden="true">← </span>All jobs
        </Link>
      </p>
      {load.state === 'loading' && <p role="status">Loading the job…</p>}
      {load.state === 'missing' && (
        <>
          <h1>Job not found</h1>
          <p>No job with the id {id} is visible to this token.</p>
        </>
      )}
      {load.state === 'failed' && (
        <p className="error" role="alert">
          The job could not be loaded: {load.message}
        </p>
      )}
      {load.state === 'ready' && <JobView job={load.job} extras={load.extras} reload={reload} />}
    </main>
  );
}

function JobView({ job, extras, reload }: { job: JobDetailFields; extras: Parameters<typeof JobOutcome>[0]['extras']; reload: () => void }) {
  const { request, readOnly, progress, noteForbidden } = useSession();
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);

  async function cancel() {
    setCancelling(true);
    setCancelError(null);
    try {
      // The subscription then delivers CANCELLED and ends, which reloads the job.
      await request(CANCEL_JOB, { id: job.id });
    } catch (err) {
      noteForbidden(err);
      setCancelError((err as Error).message);
      setCancelling(false);
    }
  }

  return (
    <>
      <h1>{jobTitle(job)}</h1>
      <p className="meta">
        Created {new Date(job.createdAt).toLocaleString()}
        {job.duplicateStrategy ? ` · duplicates: ${job.duplicateStrategy}` : ''}
        {extras?.dryRun ? ' · validate only' : ''} · job {job.id}
      </p>
      {isTerminal(job.status) ? (
        <>
          <JobOutcome job={job} extras={extras} />
          {job.kind === 'IMPORT' && <RowErrorsTable jobId={job.id} />}
        </>
      ) : (
        <LiveProgress
          key={job.id}
          source={progress}
          jobId={job.id}
          kind={job.kind}
          initial={job}
          onEnd={reload}
          onCancel={readOnly ? undefined : cancel}
          cancelling={cancelling}
        />
      )}
      {cancelError && (
        <p className="error" role="alert">
          Not cancelled: {cancelError}
        </p>
      )}
    </>
  );
}
