import { useState, type FormEvent } from 'react';
import { InvalidTokenError, viewerRole } from '../api/viewerRole.ts';
import type { Session } from '../api/session.ts';

interface Props {
  onSignedIn: (session: Session) => void;
  /** Why the user is here again, e.g. a token the API stopped accepting. */
  notice?: string;
}

export function SignIn({ onSignedIn, notice }: Props) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (!trimmed) {
      setError('Paste the API token that `npm start` printed, or one from `npm run cli -- token create`.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn({ token: trimmed, role: await viewerRole(trimmed) });
    } catch (err) {
      setError(err instanceof InvalidTokenError ? err.message : `Could not sign in: ${(err as Error).message}`);
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Bulkport</h1>
      <p>Import and export spreadsheets of contacts and invoices.</p>
      {notice && <p className="notice">{notice}</p>}
      <form onSubmit={submit} noValidate>
        <label htmlFor="api-token">API token</label>
        <input
          id="api-token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby="api-token-help"
          aria-invalid={error ? true : undefined}
        />
        <p id="api-token-help" className="help">
          The token is kept for this browser tab only and forgotten when you close it.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
