import type pg from 'pg';
import { RelayError } from '../../errors.js';
import type { StoredMailbox } from '../records.js';
import type { MailboxRepository } from '../repository.js';
import { nextRunColumn } from './mailbox-row.js';
import { isUniqueViolation } from './pg-errors.js';
import { query, withTransaction } from './pool.js';

/** Configurations, one row each: the record as JSON, and when it is due beside it. */
export class PgMailboxRepository implements MailboxRepository {
  constructor(private readonly pool: pg.Pool) {}

  async list() {
    const { rows } = await query<{ data: StoredMailbox }>(
      this.pool,
      'SELECT data FROM mailboxes ORDER BY seq',
    );
    return rows.map((r) => r.data);
  }

  async get(id: string) {
    const { rows } = await query<{ data: StoredMailbox }>(
      this.pool,
      'SELECT data FROM mailboxes WHERE id = $1',
      [id],
    );
    return rows[0]?.data;
  }

  async insert(mailbox: StoredMailbox) {
    try {
      await query(this.pool, 'INSERT INTO mailboxes (id, data, next_run) VALUES ($1, $2, $3)', [
        mailbox.id,
        JSON.stringify(mailbox),
        nextRunColumn(mailbox),
      ]);
    } catch (e) {
      if (isUniqueViolation(e))
        throw new RelayError('conflict', `A mailbox with id ${mailbox.id} exists already.`);
      throw e;
    }
  }

  /** The row stays locked from read to write, so a change on another relay waits for this one. */
  async update(id: string, change: (current: StoredMailbox) => StoredMailbox) {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ data: StoredMailbox }>(
        'SELECT data FROM mailboxes WHERE id = $1 FOR UPDATE',
        [id],
      );
      const current = rows[0]?.data;
      if (current === undefined) return undefined;
      const next = change(current);
      await client.query('UPDATE mailboxes SET data = $2, next_run = $3 WHERE id = $1', [
        id,
        JSON.stringify(next),
        nextRunColumn(next),
      ]);
      return next;
    });
  }

  /** With everything else kept of the mailbox (ledger, runs, backoff): no row of it outlives it. */
  async remove(id: string) {
    return withTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query('DELETE FROM mailboxes WHERE id = $1', [id]);
      await client.query('DELETE FROM ledger WHERE mailbox_id = $1', [id]);
      await client.query(
        `WITH gone AS (DELETE FROM runs WHERE mailbox_id = $1 RETURNING id)
         DELETE FROM run_mails WHERE run_id IN (SELECT id FROM gone)`,
        [id],
      );
      await client.query('DELETE FROM schedule_backoff WHERE mailbox_id = $1', [id]);
      return rowCount === 1;
    });
  }
}
