import type { Viewer } from '../auth/tokens.ts';
import type { Db } from '../db/prisma.ts';
import { badInput } from '../errors.ts';
import type pg from 'pg';
import { JOB_COLUMNS, type JobRecord } from './jobRecord.ts';
import { isUuid, readScope } from './jobAccess.ts';
import type { JobKind, JobStatus } from './jobStatus.ts';

/** Read side of jobs for the API: typed Prisma queries, cursor pagination. */

export interface Page<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The largest `first` of a paged list (jobs, a job's row errors). */
export const MAX_PAGE = 1000;

function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
  return first;
}

function encodeCursor(parts: unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor<T extends unknown[]>(cursor: string, check: (v: unknown[]) => boolean): T {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && check(v)) return v as T;
  } catch {
    /* fall through */
  }
  throw invalidCursor();
}

const invalidCursor = () => badInput('invalid cursor: pass a pageInfo.endCursor from a previous page');

/**
 * Jobs newest first. The cursor is the last job's id and the page continues strictly after its
 * (created_at, id): created_at has microseconds, which a JavaScript Date would round away.
 * INVARIANT: a cursor naming a job the viewer cannot read (another workspace's, or none at all) is
 * refused with the same error, so a cursor cannot probe whether a foreign job id exists.
 */
export async function listJobs(
  pool: pg.Pool,
  viewer: Viewer,
  args: { first: number; after?: string | null; status?: JobStatus | null; kind?: JobKind | null },
): Promise<Page<JobRecord>> {
  const first = pageSize(args.first);
  const params: unknown[] = [];
  const where: string[] = [];
  const scope = readScope(viewer);
  if (scope.workspaceId) where.push(`workspace_id = $${params.push(scope.workspaceId)}`);
  if (args.status) where.push(`status = $${params.push(args.status)}`);
  if (args.kind) where.push(`kind = $${params.push(args.kind)}`);
  let after: string | undefined;
  if (args.after) {
    [after] = decodeCursor<[string]>(args.after, (v) => v.length === 1 && typeof v[0] === 'string' && isUuid(v[0]));
    // Scoped like the list itself: another workspace's job is no anchor, and the page comes out empty.
    const anchorScope = scope.workspaceId ? ` AND workspace_id = $${params.push(scope.workspaceId)}` : '';
    where.push(`(created_at, id) < (SELECT created_at, id FROM jobs WHERE id = $${params.push(after)}${anchorScope})`);
  }
  const { rows } = await pool.query<JobRecord>(
    `SELECT ${JOB_COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${params.push(first + 1)}`,
    params,
  );
  // An empty page after a cursor: the last page, or no anchor at all. Only then is it worth a look.
  if (after && rows.length === 0 && !(await canRead(pool, scope, after))) throw invalidCursor();
  const nodes = rows.slice(0, first);
  const last = nodes[nodes.length - 1];
  return { nodes, pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor([last.id]) : null } };
}

async function canRead(pool: pg.Pool, scope: { workspaceId?: string }, jobId: string): Promise<boolean> {
  const { rowCount } = scope.workspaceId
    ? await pool.query('SELECT 1 FROM jobs WHERE id = $1 AND workspace_id = $2', [jobId, scope.workspaceId])
    : await pool.query('SELECT 1 FROM jobs WHERE id = $1', [jobId]);
  return rowCount === 1;
}

export interface RowErrorNode {
  row: number;
  column: string | null;
  code: string;
  message: string;
  value: string | null;
}

/** A job's row errors in (row, column) order. */
export async function listRowErrors(
  db: Db,
  jobId: string,
  args: { first: number; after?: string | null },
): Promise<Page<RowErrorNode> & { totalCount: () => Promise<number> }> {
  const first = pageSize(args.first);
  const where: Record<string, unknown> = { jobId };
  if (args.after) {
    const [row, column] = decodeCursor<[number, string]>(args.after, (v) => v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string');
    where.OR = [{ row: { gt: row } }, { row, column: { gt: column } }];
  }
  const rows = await db.jobRowError.findMany({ where, orderBy: [{ row: 'asc' }, { column: 'asc' }], take: first + 1 });
  const page = rows.slice(0, first);
  const last = page[page.length - 1];
  return {
    nodes: page.map((e) => ({ row: e.row, column: e.column === '' ? null : e.column, code: e.code, message: e.message, value: e.value })),
    pageInfo: { hasNextPage: rows.length > first, endCursor: last ? encodeCursor([last.row, last.column]) : null },
    totalCount: () => db.jobRowError.count({ where: { jobId } }),
  };
}
