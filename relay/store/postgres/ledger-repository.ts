import type pg from 'pg';
import type { LedgerEntry } from '../../import/ledger-entry.js';
import type { LedgerRepository, MailboxLedger } from '../repository.js';
import { type Db, query, withTransaction } from './pool.js';

const DAY_MS = 86_400_000;

/**
 * PostgreSQL's text refuses U+0000, which a malformed mail's Message-ID (or a server's folder name)
 * may hold; the columns get U+FFFD instead, the JSON entry keeps the original. Written and queried
 * through the same mapping, so matching still works.
 */
const column = (s: string | null): string | null => s?.replaceAll('\0', '\uFFFD') ?? null;

/**
 * One statement for the whole batch (atomic). The last of several entries of one key in a batch
 * wins, as lines appended in order would. `seq` is renewed on every write, `first_seq` is not.
 */
export async function insertEntries(db: Db, mailboxId: string, batch: LedgerEntry[]): Promise<void> {
  const last = new Map<string, LedgerEntry>();
  for (const e of batch) {
    const key = JSON.stringify([e.folder, e.uidValidity, e.uid]);
    last.delete(key);
    last.set(key, e);
  }
  const entries = [...last.values()];
  if (entries.length === 0) return;
  const pick = <T>(f: (e: LedgerEntry) => T) => entries.map(f);
  await query(
    db,
    `INSERT INTO ledger (mailbox_id, folder, uid_validity, uid, status, outcome, reason, message_id,
       raw_sha256, run_id, attempts, next_attempt_at, at, entry)
     SELECT $1, t.folder, t.uid_validity, t.uid, t.status, t.outcome, t.reason, t.message_id,
       t.raw_sha256, t.run_id, t.attempts, t.next_attempt_at, t.at, t.entry::json
     FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::integer[], $12::timestamptz[], $13::timestamptz[], $14::text[])
       WITH ORDINALITY AS t(folder, uid_validity, uid, status, outcome, reason, message_id,
         raw_sha256, run_id, attempts, next_attempt_at, at, entry, ord)
     ORDER BY t.ord
     ON CONFLICT (mailbox_id, folder, uid_validity, uid) DO UPDATE SET
       status = EXCLUDED.status, outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
       message_id = EXCLUDED.message_id, raw_sha256 = EXCLUDED.raw_sha256, run_id = EXCLUDED.run_id,
       attempts = EXCLUDED.attempts, next_attempt_at = EXCLUDED.next_attempt_at, at = EXCLUDED.at,
       entry = EXCLUDED.entry, seq = EXCLUDED.seq`,
    [
      mailboxId,
      pick((e) => column(e.folder)),
      pick((e) => e.uidValidity),
      pick((e) => e.uid),
      pick((e) => e.status),
      pick((e) => e.outcome),
      pick((e) => e.reason),
      pick((e) => column(e.messageId)),
      pick((e) => e.rawSha256),
      pick((e) => e.runId ?? null),
      pick((e) => e.attempts),
      pick((e) => e.nextAttemptAt),
      pick((e) => e.at),
      pick((e) => JSON.stringify(e)),
    ],
  );
}

/** A run's view of one mailbox's ledger: every method one statement, nothing cached. */
class PgMailboxLedger implements MailboxLedger {
  constructor(
    private readonly pool: pg.Pool,
    private readonly mailboxId: string,
  ) {}

  private async entries(where: string, values: unknown[], order: string): Promise<LedgerEntry[]> {
    const { rows } = await query<{ entry: LedgerEntry }>(
      this.pool,
      `SELECT entry FROM ledger WHERE mailbox_id = $1 AND ${where} ORDER BY ${order}`,
      [this.mailboxId, ...values],
    );
    return rows.map((r) => r.entry);
  }

  async lookup(folder: string, uidValidity: string, uids: number[]) {
    const found = await this.entries(
      'folder = $2 AND uid_validity = $3 AND uid = ANY($4::bigint[])',
      [column(folder), uidValidity, uids],
      'uid',
    );
    const byUid = new Map(found.map((e) => [e.uid, e]));
    const out = new Map<number, LedgerEntry>();
    for (const uid of uids) {
      const e = byUid.get(uid);
      if (e) out.set(uid, e);
    }
    return out;
  }

  async entriesIn(folder: string, uidValidity: string, ...status: LedgerEntry['status'][]) {
    return this.entries(
      'folder = $2 AND uid_validity = $3 AND status = ANY($4::text[])',
      [column(folder), uidValidity, status],
      'uid',
    );
  }

  async writtenBy(runId: string) {
    return this.entries('run_id = $2', [runId], 'first_seq');
  }

  /** The last entry written for this content, unless it waits for a retry (it decided nothing). */
  async findSameMail(messageId: string | null, rawSha256: string) {
    if (!messageId) return undefined;
    const [found] = await this.entries(
      "message_id = $2 AND raw_sha256 = $3 AND status <> 'retrying'",
      [column(messageId), rawSha256],
      'seq DESC LIMIT 1',
    );
    return found;
  }

  /**
   * Durable when it resolves (DESIGN §3 step 4): a server run with `synchronous_commit = off` would
   * acknowledge a commit it can still lose, so this transaction asks for it to be flushed.
   */
  async record(entries: LedgerEntry[]) {
    if (entries.length === 0) return;
    await withTransaction(this.pool, async (client) => {
      await client.query(
        "SELECT set_config('synchronous_commit', 'on', true) WHERE current_setting('synchronous_commit') = 'off'",
      );
      await insertEntries(client, this.mailboxId, entries);
    });
  }

  async close() {}
}

export class PgLedgerRepository implements LedgerRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  async open(mailboxId: string, options: { retentionDays?: number; now?: Date } = {}) {
    const now = options.now?.getTime() ?? this.now();
    const oldest = new Date(now - (options.retentionDays ?? 30) * DAY_MS).toISOString();
    await query(this.pool, "DELETE FROM ledger WHERE mailbox_id = $1 AND status = 'moved' AND at < $2", [
      mailboxId,
      oldest,
    ]);
    return new PgMailboxLedger(this.pool, mailboxId);
  }

  async removeMailbox(mailboxId: string) {
    await query(this.pool, 'DELETE FROM ledger WHERE mailbox_id = $1', [mailboxId]);
  }
}
