import type pg from 'pg';
import type { Backoff, BackoffRepository } from '../repository.js';
import { query } from './pool.js';

/** Shared by every relay: whichever claims a failing mailbox next sees how long it waits. */
export class PgBackoffRepository implements BackoffRepository {
  constructor(private readonly pool: pg.Pool) {}

  async get(mailboxId: string): Promise<Backoff | undefined> {
    const { rows } = await query<{ count: number; until: string }>(
      this.pool,
      'SELECT count, until FROM schedule_backoff WHERE mailbox_id = $1',
      [mailboxId],
    );
    const row = rows[0];
    return row && { count: row.count, until: Date.parse(row.until) };
  }

  async set(mailboxId: string, backoff: Backoff): Promise<void> {
    await query(
      this.pool,
      `INSERT INTO schedule_backoff (mailbox_id, count, until) VALUES ($1, $2, $3)
       ON CONFLICT (mailbox_id) DO UPDATE SET count = EXCLUDED.count, until = EXCLUDED.until`,
      [mailboxId, backoff.count, new Date(backoff.until).toISOString()],
    );
  }

  async clear(mailboxId: string): Promise<void> {
    await query(this.pool, 'DELETE FROM schedule_backoff WHERE mailbox_id = $1', [mailboxId]);
  }
}
