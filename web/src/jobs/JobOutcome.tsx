import type { JobContractFields, JobDetailFields } from '../api/operations.ts';
import { formatCount } from '../progress/formatProgress.ts';

/** An ended job: the status word (with the reason when FAILED), its counts and its downloads. */
export function JobOutcome({ job, extras }: { job: JobDetailFields; extras: JobContractFields | null }) {
  const counts: [string, string][] = [
    ['Rows in the file', job.totalRows === null ? 'unknown' : formatCount(job.totalRows)],
    ['Processed', formatCount(job.processedRows)],
    ['Succeeded', formatCount(job.succeededRows)],
    ['Failed', formatCount(job.failedRows)],
  ];
  if (job.kind === 'IMPORT' && !extras?.dryRun) {
    counts.push(['Inserted', formatCount(job.insertedRows)], ['Updated', formatCount(job.updatedRows)], ['Unchanged', formatCount(job.unchangedRows)]);
  }
  if (extras?.dryRun) {
    counts.push(['Would insert', formatCount(extras.wouldInsert ?? 0)], ['Would update', formatCount(extras.wouldUpdate ?? 0)]);
  }
  if (job.kind === 'EXPORT') counts.splice(0, 4, ['Rows exported', formatCount(job.processedRows)]);

  return (
    <section className="outcome" aria-labelledby="outcome-title">
      <h2 id="outcome-title" className="visually-hidden">
        Result
      </h2>
      <p className={`status-word status-${job.status}`}>
        <strong>{job.status}</strong>
        {job.status === 'FAILED' && job.failureReason && <span className="reason">: {job.failureReason}</span>}
      </p>
      {extras?.dryRun && <p className="notice">Validate only: nothing was written. These are the rows an import would have produced.</p>}
      <dl className="counts">
        {counts.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {job.ignoredColumns.length > 0 && <p className="help">Ignored columns: {job.ignoredColumns.join(', ')}</p>}
      <p className="downloads">
        {extras?.failedRowsUrl && (
          <a className="button" href={extras.failedRowsUrl} download>
            Download failed rows
          </a>
        )}
        {job.downloadUrl && (
          <a className="button" href={job.downloadUrl} download>
            Download export
          </a>
        )}
      </p>
      {extras?.failedRowsUrl && (
        <p className="help">
          The failed rows file has your original columns plus the row number and its errors: fix them in a spreadsheet and import it again.
        </p>
      )}
    </section>
  );
}
