import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useSession } from '../session/SessionContext.tsx';

/** The page frame: skip link, navigation (write actions only for members), sign out. */
export function Shell({ children }: { children: ReactNode }) {
  const { readOnly, signOut } = useSession();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Bulkport</span>
        <nav aria-label="Main">
          <ul>
            {!readOnly && (
              <li>
                <NavLink to="/" end>
                  Import
                </NavLink>
              </li>
            )}
            {!readOnly && (
              <li>
                <NavLink to="/exports/new">Export</NavLink>
              </li>
            )}
            <li>
              <NavLink to="/jobs">History</NavLink>
            </li>
            <li>
              {/* A separate page (GraphiQL), not a route of this app. */}
              <a href="/playground">Playground</a>
            </li>
          </ul>
        </nav>
        <button type="button" className="link-button" onClick={signOut}>
          Sign out
        </button>
      </header>
      {readOnly && (
        <p className="banner" role="note">
          Support access: you see every workspace's jobs, read-only.
        </p>
      )}
      {children}
    </>
  );
}
