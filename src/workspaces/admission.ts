import type pg from 'pg';

/**
 * Whether a QUEUED job may start now under its workspace's concurrent-jobs limit.
 *
 * INVARIANT: jobs start in the order they were created: a job may start when fewer than `limit` of
 * its workspace's jobs created before it are still QUEUED or RUNNING (those are running, or waiting
 * ahead of it). Two jobs deciding at once cannot both take the last slot: the later one counts the
 * earlier one, whatever the earlier decided.
 */
export async function mayStart(db: pg.Pool | pg.ClientBase, job: { id: string; workspaceId: string }, limit: number): Promise<boolean> {
  // created_at has microseconds, which a JavaScript Date would round away: compare in SQL.
  const { rows } = await db.query<{ ahead: number }>(
    `SELECT count(*)::int AS ahead FROM jobs j, (SELECT created_at, id FROM jobs WHERE id = $2) me
     WHERE j.workspace_id = $1 AND j.status IN ('QUEUED', 'RUNNING') AND (j.created_at, j.id) < (me.created_at, me.id)`,
    [job.workspaceId, job.id],
  );
  return rows[0].ahead < limit;
}
