/**
 * The signed-in token and what it may do. Kept in sessionStorage only: it lives as long as the
 * browser tab and is never written to localStorage or a cookie.
 */
export type Role = 'member' | 'support';

export interface Session {
  token: string;
  role: Role;
}

const KEY = 'bulkport.session';

export function readSession(): Session | null {
  try {
    const raw = window.sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || (parsed.role !== 'member' && parsed.role !== 'support')) return null;
    return { token: parsed.token, role: parsed.role };
  } catch {
    return null;
  }
}

export function writeSession(session: Session): void {
  window.sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  window.sessionStorage.removeItem(KEY);
}
