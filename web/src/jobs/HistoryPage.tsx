import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { JOBS, type JobKind, type JobStatus, type JobSummaryFields, type PageInfo } from '../api/operations.ts';
import { formatCount } from '../progress/formatProgress.ts';
import { useSession } from '../session/SessionContext.tsx';
import { jobTitle } from './jobTitle.ts';

const PAGE_SIZE = 20;
const STATUSES: JobStatus[] = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED'];

type Page = { state: 'loading' } | { state: 'failed'; message: string } | { state: 'ready'; nodes: JobSummaryFields[]; pageInfo: PageInfo };

/** The jobs this token can see (imports and exports), newest first, a page at a time. */
export function HistoryPage() {
  const { request, readOnly } = useSession();
  const [kind, setKind] = useState<JobKind | ''>('');
  const [status, setStatus] = useState<JobStatus | ''>('');
  // Cursors of the pages before this one: Previous pops, Next pushes.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page>({ state: 'loading' });
  const after = cursors[cursors.length - 1];

  useEffect(() => {
    let current = true;
    setPage({ state: 'loading' });
    request<{ jobs: { nodes: JobSummaryFields[]; pageInfo: PageInfo } }>(JOBS, {
      first: PAGE_SIZE,
      after,
      kind: kind || null,
      status: status || null,
    }).then(
      ({ jobs }) => current && setPage({ state: 'ready', ...jobs }),
      (err: Error) => current && setPage({ state: 'failed', message: err.message }),
    );
    return () => {
      current = false;
    };
  }, [request, after, kind, status]);

  const refilter = (apply: () => void) => {
    apply();
    setCursors([null]);
  };

  return (
    <main id="main">
      <h1>History</h1>
      <p className="help">{readOnly ? 'Jobs of every workspace, newest first.' : 'Your workspace’s imports and exports, newest first.'}</p>
      <div className="filters">
        <div className="field">
          <label htmlFor="kind-filter">Kind</label>
          <select id="kind-filter" value={kind} onChange={(e) => refilter(() => setKind(e.target.value as JobKind | ''))}>
            <option value="">Imports and exports</option>
            <option value="IMPORT">Imports</option>
            <option value="EXPORT">Exports</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="status-filter">Status</label>
          <select id="status-filter" value={status} onChange={(e) => refilter(() => setStatus(e.target.value as JobStatus | ''))}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>

      {page.state === 'loading' && <p role="status">Loading jobs…</p>}
      {page.state === 'failed' && (
        <p className="error" role="alert">
          The jobs could not be loaded: {page.message}
        </p>
      )}
      {page.state === 'ready' && page.nodes.length === 0 && <p>No jobs yet.</p>}
      {page.state === 'ready' && page.nodes.length > 0 && (
        <div className="table-scroll" role="region" aria-label="Jobs" tabIndex={0}>
          <table className="jobs">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Rows</th>
                <th scope="col">Succeeded</th>
                <th scope="col">Failed</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {page.nodes.map((job) => (
                <tr key={job.id}>
                  <td>
                    <Link to={`/jobs/${job.id}`}>{jobTitle(job)}</Link>
                  </td>
                  <td>
                    <span className={`badge status-${job.status}`}>{job.status}</span>
                    {(job.status === 'RUNNING' || job.status === 'QUEUED') && <span className="help"> {Math.floor(job.percent)}%</span>}
                  </td>
                  <td>
                    {formatCount(job.processedRows)}
                    {job.totalRows !== null && job.totalRows !== job.processedRows ? ` of ${formatCount(job.totalRows)}` : ''}
                  </td>
                  <td>{formatCount(job.succeededRows)}</td>
                  <td>{formatCount(job.failedRows)}</td>
                  <td>
                    <time dateTime={job.createdAt}>{new Date(job.createdAt).toLocaleString()}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages of jobs">
        <button type="button" className="secondary" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer jobs
        </button>
        <button
          type="button"
          className="secondary"
          disabled={page.state !== 'ready' || !page.pageInfo.hasNextPage}
          onClick={() => page.state === 'ready' && setCursors((c) => [...c, page.pageInfo.endCursor])}
        >
          Older jobs
        </button>
      </nav>
    </main>
  );
}
