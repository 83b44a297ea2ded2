import { useCallback, useEffect, useState } from 'react';
import { isUnsupportedByServer } from '../api/graphqlRequest.ts';
import { JOB_CONTRACT_FIELDS, JOB_DETAIL, type JobContractFields, type JobDetailFields } from '../api/operations.ts';
import { useSession } from '../session/SessionContext.tsx';

export type JobLoad =
  | { state: 'loading' }
  | { state: 'missing' }
  | { state: 'failed'; message: string }
  /** extras: issue 7's fields, null when the server does not have them */
  | { state: 'ready'; job: JobDetailFields; extras: JobContractFields | null };

/** One job with everything the detail view shows; reload() after it ends. */
export function useJob(id: string): { load: JobLoad; reload: () => void } {
  const { request } = useSession();
  const [load, setLoad] = useState<JobLoad>({ state: 'loading' });
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let current = true;
    Promise.all([
      request<{ job: JobDetailFields | null }>(JOB_DETAIL, { id }),
      request<{ job: JobContractFields | null }>(JOB_CONTRACT_FIELDS, { id }).catch((err: unknown) => {
        if (isUnsupportedByServer(err)) return { job: null };
        throw err;
      }),
    ]).then(
      ([detail, extras]) => {
        if (!current) return;
        setLoad(detail.job ? { state: 'ready', job: detail.job, extras: extras.job } : { state: 'missing' });
      },
      (err: Error) => current && setLoad({ state: 'failed', message: err.message }),
    );
    return () => {
      current = false;
    };
  }, [id, request, version]);

  return { load, reload: useCallback(() => setVersion((v) => v + 1), []) };
}
