import type pg from 'pg';
import type { ImportRun, ImportRunSummary, MailResult } from '../../../shared/run.js';
import type { RunRepository } from '../repository.js';
import { type Db, query, withTransaction } from './pool.js';

/** Runs kept per mailbox, as in the embedded run history. */
export const KEEP_RUNS = 50;

/** A run with its mails, which `run_mails` holds in their order. */
const WITH_MAILS = `SELECT r.summary, coalesce(
    (SELECT json_agg(m.mail ORDER BY m.seq) FROM run_mails m WHERE m.run_id = r.id), '[]'::json) AS mails
  FROM runs r`;

type RunRow = { summary: ImportRunSummary; mails: MailResult[] };
const toRun = (r: RunRow): ImportRun => ({ ...r.summary, mails: r.mails });

/**
 * Stores one run as it is now and drops the mailbox's runs beyond the newest `KEEP_RUNS` (ids start
 * with the start time, and the id column sorts bytewise, so "newest" is the greatest id).
 */
export async function storeRun(db: Db, run: ImportRun): Promise<void> {
  const { mails, ...summary } = run;
  await query(
    db,
    `INSERT INTO runs (id, mailbox_id, status, started_at, summary) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET mailbox_id = EXCLUDED.mailbox_id, status = EXCLUDED.status,
       started_at = EXCLUDED.started_at, summary = EXCLUDED.summary`,
    [run.id, run.mailboxId, run.status, run.startedAt, JSON.stringify(summary)],
  );
  await query(db, 'DELETE FROM run_mails WHERE run_id = $1', [run.id]);
  if (mails.length > 0)
    await query(
      db,
      `INSERT INTO run_mails (run_id, seq, mail)
       SELECT $1, t.ord, t.mail::json FROM unnest($2::text[]) WITH ORDINALITY AS t(mail, ord)`,
      [run.id, mails.map((m) => JSON.stringify(m))],
    );
  await query(
    db,
    `WITH gone AS (
       DELETE FROM runs WHERE id IN (
         SELECT id FROM runs WHERE mailbox_id = $1 ORDER BY id DESC OFFSET $2)
       RETURNING id)
     DELETE FROM run_mails WHERE run_id IN (SELECT id FROM gone)`,
    [run.mailboxId, KEEP_RUNS],
  );
}

/** Every run with its mails, for `export`. */
export async function allRuns(db: Db): Promise<ImportRun[]> {
  const { rows } = await query<RunRow>(db, `${WITH_MAILS} ORDER BY r.mailbox_id, r.id`);
  return rows.map(toRun);
}

/** Run history shared by every relay. */
export class PgRunRepository implements RunRepository {
  constructor(private readonly pool: pg.Pool) {}

  async save(run: ImportRun) {
    await withTransaction(this.pool, (client) => storeRun(client, run));
  }

  async get(runId: string) {
    const { rows } = await query<RunRow>(this.pool, `${WITH_MAILS} WHERE r.id = $1`, [runId]);
    return rows[0] && toRun(rows[0]);
  }

  async list(mailboxId: string) {
    const { rows } = await query<{ summary: ImportRunSummary }>(
      this.pool,
      'SELECT summary FROM runs WHERE mailbox_id = $1 ORDER BY id DESC',
      [mailboxId],
    );
    return rows.map((r) => r.summary);
  }

  /**
   * Every run stored as `running`. Unlike the embedded store, whose data directory is one relay's,
   * some may still be running on another relay: the caller asks `MailboxLocks`.
   */
  async leftRunning() {
    const { rows } = await query<RunRow>(this.pool, `${WITH_MAILS} WHERE r.status = 'running' ORDER BY r.id`);
    return rows.map(toRun);
  }

  async removeMailbox(mailboxId: string) {
    await withTransaction(this.pool, async (client) => {
      await client.query(
        `WITH gone AS (DELETE FROM runs WHERE mailbox_id = $1 RETURNING id)
         DELETE FROM run_mails WHERE run_id IN (SELECT id FROM gone)`,
        [mailboxId],
      );
    });
  }
}
