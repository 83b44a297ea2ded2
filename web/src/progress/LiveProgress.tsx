import { useEffect } from 'react';
import type { JobKind } from '../api/operations.ts';
import type { ProgressSource } from '../api/progressSource.ts';
import type { ProgressView } from './mergeProgress.ts';
import { ProgressBar } from './ProgressBar.tsx';
import { useJobProgress } from './useJobProgress.ts';

interface Props {
  source: ProgressSource;
  jobId: string;
  kind: JobKind;
  initial: ProgressView;
  /** Called once the subscription has delivered the job's terminal state. */
  onEnd: (view: ProgressView) => void;
  /** Absent for read-only viewers: no Cancel button then. */
  onCancel?: () => void;
  cancelling?: boolean;
}

/** A running job: the live bar, its figures, the connection state and Cancel. */
export function LiveProgress({ source, jobId, kind, initial, onEnd, onCancel, cancelling }: Props) {
  const { view, ended, reconnecting, error } = useJobProgress(source, jobId, initial);
  useEffect(() => {
    if (ended) onEnd(view);
  }, [ended]); // eslint-disable-line react-hooks/exhaustive-deps -- once, when it ends

  return (
    <section className="live-progress" aria-labelledby="live-progress-title">
      <h2 id="live-progress-title">{view.status === 'QUEUED' ? 'Waiting for a worker' : 'Running'}</h2>
      <ProgressBar view={view} label={kind === 'IMPORT' ? 'Import progress' : 'Export progress'} />
      <p className="connection" role="status">
        {reconnecting ? 'Connection lost, reconnecting… the bar resumes where it was.' : ''}
      </p>
      {error && (
        <p className="error" role="alert">
          Live progress stopped: {error}
        </p>
      )}
      {onCancel && (
        <button type="button" className="secondary" onClick={onCancel} disabled={cancelling}>
          Cancel
        </button>
      )}
    </section>
  );
}
