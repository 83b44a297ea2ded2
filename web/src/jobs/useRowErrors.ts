import { useCallback, useEffect, useRef, useState } from 'react';
import { ROW_ERRORS, type PageInfo, type RowErrorFields } from '../api/operations.ts';
import { useSession } from '../session/SessionContext.tsx';

export const ROW_ERRORS_PAGE = 100;

export interface RowErrorPages {
  rows: RowErrorFields[];
  totalCount: number | null;
  hasNextPage: boolean;
  loading: boolean;
  error: string | null;
  loadMore(): void;
}

interface ErrorsAnswer {
  job: { errors: { totalCount: number; nodes: RowErrorFields[]; pageInfo: PageInfo } } | null;
}

/** A job's row errors, page by page through errors(first, after), in row order. */
export function useRowErrors(jobId: string): RowErrorPages {
  const { request } = useSession();
  const [rows, setRows] = useState<RowErrorFields[]>([]);
  const [totalCount, setTotalCount] = useState<number | null>(null);
  const [pageInfo, setPageInfo] = useState<PageInfo>({ hasNextPage: true, endCursor: null });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // One request at a time: a scroll burst must not fetch the same page twice.
  const inFlight = useRef(false);

  const loadMore = useCallback(() => {
    if (inFlight.current || !pageInfo.hasNextPage) return;
    inFlight.current = true;
    setLoading(true);
    request<ErrorsAnswer>(ROW_ERRORS, { id: jobId, first: ROW_ERRORS_PAGE, after: pageInfo.endCursor })
      .then((data) => {
        const conn = data.job?.errors;
        if (!conn) throw new Error('this job is no longer visible');
        setRows((prev) => [...prev, ...conn.nodes]);
        setTotalCount(conn.totalCount);
        setPageInfo(conn.pageInfo);
        setError(null);
      })
      .catch((err: Error) => setError(err.message))
      .finally(() => {
        inFlight.current = false;
        setLoading(false);
      });
  }, [request, jobId, pageInfo]);

  useEffect(() => {
    if (totalCount === null && !error) loadMore();
  }, [totalCount, error, loadMore]);

  return { rows, totalCount, hasNextPage: pageInfo.hasNextPage, loading, error, loadMore };
}
