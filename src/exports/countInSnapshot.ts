import type pg from 'pg';

/**
 * Runs a `SELECT count(*)::int AS n` on another connection of the pool, in the snapshot that
 * `exporter` exported with pg_export_snapshot(), so the export's COPY need not wait for it: the count
 * and the rows still come from ONE snapshot. `exporter` MUST keep its transaction open until this
 * settles (an exported snapshot can be imported only while its transaction lasts).
 *
 * Measured on 1M contacts on this 2-core machine: the count took 45–140 ms before the COPY could
 * start (more with parallel workers, whose start-up is most of it); the COPY takes about a second,
 * so it now runs beside the first tenth of it. Serial (no parallel workers): it shares two cores
 * with the COPY's backend and the worker already.
 */
export async function countInSnapshot(pool: pg.Pool, snapshot: string, sql: string): Promise<number> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${escapeSnapshotId(snapshot)}`);
    await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
    const n = (await client.query<{ n: number }>(sql)).rows[0]!.n;
    await client.query('COMMIT');
    return n;
  } catch (err) {
    broken = !(await client.query('ROLLBACK').then(
      () => true,
      () => false,
    ));
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Snapshot ids look like 00000003-0000001B-1; anything else is refused rather than quoted into SQL. */
function escapeSnapshotId(id: string): string {
  if (!/^[0-9A-F-]+$/i.test(id)) throw new Error(`unexpected snapshot id '${id}'`);
  return `'${id}'`;
}
