import type pg from 'pg';
import type { StoredMailbox } from '../records.js';
import { nextRunColumn } from './mailbox-row.js';
import { withTransaction } from './pool.js';

/**
 * Claims the mailboxes due at `nowIso` for one relay: in one transaction, the due rows are locked
 * (`SKIP LOCKED`: rows another relay is claiming are left to it), moved to their next run, and
 * handed to `enqueue` on the same client, so the jobs exist exactly when the claim commits. Returns
 * the claimed mailboxes as they were before.
 */
export async function claimDue(
  pool: pg.Pool,
  nowIso: string,
  limit: number,
  nextRunOf: (m: StoredMailbox) => string | null,
  enqueue: (client: pg.PoolClient, ms: StoredMailbox[]) => Promise<void>,
): Promise<StoredMailbox[]> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ data: StoredMailbox }>(
      `SELECT data FROM mailboxes WHERE next_run <= $1
       ORDER BY next_run LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [nowIso, limit],
    );
    const claimed = rows.map((r) => r.data);
    if (claimed.length === 0) return claimed;
    const next = claimed.map((m) => ({ ...m, state: { ...m.state, nextRun: nextRunOf(m) } }));
    await client.query(
      `UPDATE mailboxes m SET data = u.data::json, next_run = u.next_run
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(id, data, next_run)
       WHERE m.id = u.id`,
      [next.map((m) => m.id), next.map((m) => JSON.stringify(m)), next.map(nextRunColumn)],
    );
    await enqueue(client, claimed);
    return claimed;
  });
}
