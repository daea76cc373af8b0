import type pg from 'pg';
import type { Alert } from '../../../shared/alert.js';
import { RelayError } from '../../errors.js';
import type { AlertRepository } from '../repository.js';
import { isUniqueViolation } from './pg-errors.js';
import { type Db, query, withTransaction } from './pool.js';

/** As the embedded alerts.json: resolved alerts kept 30 days, at most 1000 alerts kept. */
const KEEP_RESOLVED_MS = 30 * 86_400_000;
const MAX_KEPT = 1000;

/** Upserts one alert; it becomes the newest (last in `all()`). */
export async function storeAlert(db: Db, a: Alert): Promise<void> {
  try {
    await query(
      db,
      `INSERT INTO alerts (id, key, status, raised_at, resolved_at, alert) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key, status = EXCLUDED.status,
         raised_at = EXCLUDED.raised_at, resolved_at = EXCLUDED.resolved_at, alert = EXCLUDED.alert,
         seq = EXCLUDED.seq`,
      [a.id, a.key, a.status, a.raisedAt, a.resolvedAt, JSON.stringify(a)],
    );
  } catch (e) {
    // Another relay raised the same condition first: one open alert per key, sent once.
    if (isUniqueViolation(e, 'alerts_one_open_per_key'))
      throw new RelayError('conflict', `An alert for ${a.key} is open already.`);
    throw e;
  }
}

/** In the order of their last save. */
export async function allAlerts(db: Db): Promise<Alert[]> {
  const { rows } = await query<{ alert: Alert }>(db, 'SELECT alert FROM alerts ORDER BY seq');
  return rows.map((r) => r.alert);
}

/** Open and recent alerts shared by every relay. */
export class PgAlertRepository implements AlertRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  async all(): Promise<Alert[]> {
    return allAlerts(this.pool);
  }

  async save(alert: Alert): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await storeAlert(client, alert);
      await pruneAlerts(client, this.now(), alert.id);
    });
  }
}

/**
 * Drops resolved alerts older than 30 days (but `keep`), then the oldest resolved ones beyond 1000
 * alerts. Only resolved alerts make room: an open one dropped would be raised (and sent) again.
 */
export async function pruneAlerts(db: Db, now: number, keep: string | null = null): Promise<void> {
  await query(
    db,
    `DELETE FROM alerts WHERE id IS DISTINCT FROM $1 AND status = 'resolved'
       AND coalesce(resolved_at, raised_at) <= $2`,
    [keep, new Date(now - KEEP_RESOLVED_MS).toISOString()],
  );
  await query(
    db,
    `DELETE FROM alerts WHERE id IN (
       SELECT id FROM alerts WHERE status = 'resolved' ORDER BY seq
       LIMIT greatest(0, (SELECT count(*) FROM alerts) - $1))`,
    [MAX_KEPT],
  );
}
