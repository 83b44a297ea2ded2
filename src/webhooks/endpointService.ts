import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Viewer } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { badInput, forbidden, notFound } from '../errors.ts';
import { isUuid, readScope } from '../jobs/jobAccess.ts';
import { checkEndpointUrl, guardsPrivateAddresses } from './endpointUrl.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhookEvent.ts';
import { newWebhookSecret } from './webhookSecret.ts';

/** An endpoint as callers see it: never its secret. */
export interface WebhookEndpointRecord {
  id: string;
  workspaceId: string;
  url: string;
  events: WebhookEventType[];
  createdAt: Date;
  /** Set after a rotation: until then the previous secret signs too. */
  previousSecretExpiresAt: Date | null;
}

export interface EndpointDeps {
  pool: pg.Pool;
  config: Pick<Config, 'nodeEnv' | 'webhookAllowPrivate' | 'webhookRotationOverlapSeconds'>;
}

const COLUMNS = `id, workspace_id AS "workspaceId", url, events::text[] AS events, created_at AS "createdAt",
  CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS "previousSecretExpiresAt"`;

/** Endpoints are the workspace's own: members change them, support staff only read them. */
function assertCanManage(viewer: Viewer): void {
  if (viewer.role !== 'member') throw forbidden('the support role is read-only: it cannot change webhook endpoints');
}

/**
 * Registers an endpoint for the viewer's workspace. `events` omitted means every event; an empty list
 * is refused (an endpoint that is never called is a mistake). The secret is returned here only.
 */
export async function createEndpoint(
  deps: EndpointDeps,
  viewer: Viewer,
  input: { url: string; events?: WebhookEventType[] | null },
): Promise<{ endpoint: WebhookEndpointRecord; secret: string }> {
  assertCanManage(viewer);
  if (input.events && input.events.length === 0) throw badInput('events must name at least one event, or be omitted for all of them', { reason: 'NO_EVENTS' });
  const events = input.events ? WEBHOOK_EVENT_TYPES.filter((e) => input.events!.includes(e)) : [...WEBHOOK_EVENT_TYPES];
  const url = await checkEndpointUrl(input.url, guardsPrivateAddresses(deps.config));
  const secret = newWebhookSecret();
  const { rows } = await deps.pool.query<WebhookEndpointRecord>(
    `INSERT INTO webhook_endpoints (id, workspace_id, url, events, secret) VALUES ($1, $2, $3, $4::"WebhookEventType"[], $5) RETURNING ${COLUMNS}`,
    [randomUUID(), viewer.workspaceId, url, events, secret],
  );
  return { endpoint: rows[0], secret };
}

/** The endpoints the viewer may see (support: every workspace's), oldest first. */
export async function listEndpoints(pool: pg.Pool, viewer: Viewer): Promise<WebhookEndpointRecord[]> {
  const scope = readScope(viewer);
  const { rows } = await pool.query<WebhookEndpointRecord>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE $1::uuid IS NULL OR workspace_id = $1 ORDER BY created_at, id`,
    [scope.workspaceId ?? null],
  );
  return rows;
}

/**
 * Deletes one of the workspace's endpoints and returns it. Its deliveries stay on their jobs (with
 * the URL); one still pending ends FAILED at its next attempt. NOT_FOUND for an unknown id (or another
 * workspace's: they answer alike).
 */
export async function deleteEndpoint(pool: pg.Pool, viewer: Viewer, id: string): Promise<WebhookEndpointRecord> {
  assertCanManage(viewer);
  const { rows } = isUuid(id)
    ? await pool.query<WebhookEndpointRecord>(`DELETE FROM webhook_endpoints WHERE id = $1 AND workspace_id = $2 RETURNING ${COLUMNS}`, [
        id,
        viewer.workspaceId,
      ])
    : { rows: [] };
  if (!rows[0]) throw notFound(`no webhook endpoint with id '${id}'`);
  return { ...rows[0], previousSecretExpiresAt: null };
}

/**
 * A new secret for an endpoint, returned here only. The secret it replaces keeps signing beside it for
 * WEBHOOK_ROTATION_OVERLAP_SECONDS, so receivers can switch without losing a message; a secret older
 * than that (a second rotation within the window) stops signing at once.
 */
export async function rotateSecret(
  deps: EndpointDeps,
  viewer: Viewer,
  id: string,
): Promise<{ endpoint: WebhookEndpointRecord; secret: string; previousSecretExpiresAt: Date }> {
  assertCanManage(viewer);
  const secret = newWebhookSecret();
  const { rows } = isUuid(id)
    ? await deps.pool.query<WebhookEndpointRecord>(
        `UPDATE webhook_endpoints SET previous_secret = secret, secret = $3,
           previous_secret_expires_at = now() + make_interval(secs => $4)
         WHERE id = $1 AND workspace_id = $2 RETURNING ${COLUMNS}`,
        [id, viewer.workspaceId, secret, deps.config.webhookRotationOverlapSeconds],
      )
    : { rows: [] };
  if (!rows[0]) throw notFound(`no webhook endpoint with id '${id}'`);
  const endpoint = rows[0];
  return { endpoint, secret, previousSecretExpiresAt: endpoint.previousSecretExpiresAt ?? new Date() };
}
