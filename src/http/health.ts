import type { Request, Response } from 'express';
import type pg from 'pg';

/** GET /healthz: 200 when this process can reach PostgreSQL, 503 otherwise (for load balancers). */
export function healthHandler(pool: pg.Pool, development: boolean) {
  return async (_req: Request, res: Response) => {
    try {
      await pool.query('SELECT 1');
      res.json({ status: 'ok' });
    } catch (err) {
      // The reason names hosts and ports: only shown in development.
      res.status(503).json({ status: 'unavailable', ...(development ? { reason: (err as Error).message } : {}) });
    }
  };
}
