import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { graphqlRequest, GraphQLRequestError } from '../api/graphqlRequest.ts';
import { createProgressClient, progressSourceOf, type ProgressSource } from '../api/progressSource.ts';
import type { Session } from '../api/session.ts';

export interface SessionValue {
  session: Session;
  /** Support tokens read every workspace and write nothing: write actions are hidden. */
  readOnly: boolean;
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  progress: ProgressSource;
  /** For a write the API refused with FORBIDDEN: from now on the app shows this token read-only. */
  noteForbidden(err: unknown): void;
  signOut(): void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}

interface Props {
  session: Session;
  onSessionChange: (session: Session | null, notice?: string) => void;
  children: ReactNode;
}

function wsUrl(): string {
  return new URL('/graphql', window.location.href).toString().replace(/^http/, 'ws');
}

export function SessionProvider({ session, onSessionChange, children }: Props) {
  const [client] = useState(() => createProgressClient({ url: wsUrl(), token: session.token }));
  useEffect(() => () => void client.dispose(), [client]);
  const progress = useMemo(() => progressSourceOf(client), [client]);

  const request = useCallback(
    async <T,>(query: string, variables?: Record<string, unknown>): Promise<T> => {
      try {
        return await graphqlRequest<T>(session.token, query, variables);
      } catch (err) {
        // A revoked token: back to sign in, saying why.
        if (err instanceof GraphQLRequestError && err.code === 'UNAUTHENTICATED') {
          onSessionChange(null, 'The API no longer accepts this token. Sign in again.');
        }
        throw err;
      }
    },
    [session.token, onSessionChange],
  );

  const value = useMemo<SessionValue>(
    () => ({
      session,
      readOnly: session.role === 'support',
      request,
      progress,
      noteForbidden(err) {
        if (err instanceof GraphQLRequestError && err.code === 'FORBIDDEN' && session.role !== 'support') {
          onSessionChange({ ...session, role: 'support' });
        }
      },
      signOut: () => onSessionChange(null),
    }),
    [session, request, progress, onSessionChange],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
