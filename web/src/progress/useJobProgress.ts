import { useEffect, useReducer } from 'react';
import type { JobProgressFields } from '../api/operations.ts';
import type { ProgressSource } from '../api/progressSource.ts';
import { mergeProgress, type ProgressView } from './mergeProgress.ts';

export interface LiveProgressState {
  view: ProgressView;
  /** The subscription delivered the terminal state and completed. */
  ended: boolean;
  reconnecting: boolean;
  error: string | null;
}

type Action =
  { type: 'event'; event: JobProgressFields } | { type: 'complete' } | { type: 'error'; message: string } | { type: 'connection'; reconnecting: boolean };

function reduce(state: LiveProgressState, action: Action): LiveProgressState {
  switch (action.type) {
    case 'event': {
      const { jobId: _jobId, ...event } = action.event;
      return { ...state, view: mergeProgress(state.view, event), error: null };
    }
    case 'complete':
      return { ...state, ended: true, reconnecting: false };
    case 'error':
      return { ...state, error: action.message, reconnecting: false };
    case 'connection':
      return { ...state, reconnecting: action.reconnecting };
  }
}

/**
 * A job's live progress from the jobProgress subscription, starting from what the page already
 * knows (`initial`) and folded so that it never goes backwards (mergeProgress).
 */
export function useJobProgress(source: ProgressSource, jobId: string, initial: ProgressView): LiveProgressState {
  const [state, dispatch] = useReducer(reduce, { view: initial, ended: false, reconnecting: false, error: null });
  useEffect(
    () =>
      source.subscribe(jobId, {
        next: (event) => dispatch({ type: 'event', event }),
        complete: () => dispatch({ type: 'complete' }),
        error: (message) => dispatch({ type: 'error', message }),
        connection: (c) => dispatch({ type: 'connection', reconnecting: c === 'reconnecting' }),
      }),
    [source, jobId],
  );
  return state;
}
