import type { Viewer } from '../auth/tokens.ts';
import { forbidden } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/**
 * Workspace scoping. A member sees only its own workspace; support reads every workspace.
 * INVARIANT: another workspace's job answers exactly like an unknown id (no existence leak).
 */
export function readScope(viewer: Viewer): { workspaceId?: string } {
  return viewer.role === 'support' ? {} : { workspaceId: viewer.workspaceId };
}

/** Starting or cancelling jobs writes to a workspace: members only, in their own workspace. */
export function assertCanWrite(viewer: Viewer): void {
  if (viewer.role !== 'member') throw forbidden('the support role is read-only: it cannot start or cancel jobs');
}
