import { useCallback, useState } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { clearSession, readSession, writeSession, type Session } from './api/session.ts';
import { ExportPage } from './exports/ExportPage.tsx';
import { ImportPage } from './imports/ImportPage.tsx';
import { HistoryPage } from './jobs/HistoryPage.tsx';
import { JobPage } from './jobs/JobPage.tsx';
import { Shell } from './layout/Shell.tsx';
import { SessionProvider, useSession } from './session/SessionContext.tsx';
import { SignIn } from './signIn/SignIn.tsx';

/** Signed out: the sign-in form on any route (the route stays, so a shared job link still opens after it). */
export function App() {
  const [session, setSession] = useState<Session | null>(() => readSession());
  const [notice, setNotice] = useState<string | undefined>();

  const onSessionChange = useCallback((next: Session | null, why?: string) => {
    if (next) writeSession(next);
    else clearSession();
    setNotice(why);
    setSession(next);
  }, []);

  if (!session) return <SignIn onSignedIn={(s) => onSessionChange(s)} notice={notice} />;
  return (
    // keyed by token: a new sign-in gets a fresh live connection
    <SessionProvider key={session.token} session={session} onSessionChange={onSessionChange}>
      <Shell>
        <AppRoutes />
      </Shell>
    </SessionProvider>
  );
}

function AppRoutes() {
  const { readOnly } = useSession();
  return (
    <Routes>
      <Route path="/" element={readOnly ? <Navigate to="/jobs" replace /> : <ImportPage />} />
      <Route path="/exports/new" element={readOnly ? <Navigate to="/jobs" replace /> : <ExportPage />} />
      <Route path="/jobs" element={<HistoryPage />} />
      <Route path="/jobs/:id" element={<JobPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}

function NotFound() {
  return (
    <main id="main">
      <h1>Page not found</h1>
      <p>There is nothing at this address. Use the menu above.</p>
    </main>
  );
}
