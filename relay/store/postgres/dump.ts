import type pg from 'pg';
import type { LedgerEntry } from '../../import/ledger-entry.js';
import { RelayError } from '../../errors.js';
import type { StoreDump } from '../dump.js';
import type { StoredConsent, StoredMailbox } from '../records.js';
import { allAlerts, pruneAlerts, storeAlert } from './alert-repository.js';
import { upsertConsent } from './consent-repository.js';
import { insertEntries } from './ledger-repository.js';
import { nextRunColumn } from './mailbox-row.js';
import { targetOf, withTransaction } from './pool.js';
import { allRuns, storeRun } from './run-repository.js';
import { allTokens, insertToken } from './token-repository.js';

/** As the embedded export, which opens each journal with the default retention first. */
const LEDGER_RETENTION_MS = 30 * 86_400_000;

/** Everything, from one snapshot: no change committed meanwhile shows in half of it. */
export async function dumpStores(pool: pg.Pool, now: () => number): Promise<StoreDump> {
  const exportedAt = new Date(now()).toISOString();
  return withTransaction(
    pool,
    async (client) => {
      const mailboxes = await client.query<{ data: StoredMailbox }>(
        'SELECT data FROM mailboxes ORDER BY seq',
      );
      const consents = await client.query<{ consent: StoredConsent }>(
        'SELECT consent FROM consents ORDER BY seq',
      );
      const ledger = await client.query<{ mailbox_id: string; entry: LedgerEntry }>(
        `SELECT mailbox_id, entry FROM ledger WHERE NOT (status = 'moved' AND at < $1)
         ORDER BY mailbox_id, first_seq`,
        [new Date(now() - LEDGER_RETENTION_MS).toISOString()],
      );
      const byMailbox: Record<string, LedgerEntry[]> = {};
      for (const r of ledger.rows) (byMailbox[r.mailbox_id] ??= []).push(r.entry);
      return {
        format: 'mailbox-connect-export' as const,
        version: 1 as const,
        exportedAt,
        from: 'postgres' as const,
        mailboxes: mailboxes.rows.map((r) => r.data),
        consents: consents.rows.map((r) => r.consent),
        tokens: await allTokens(client),
        ledger: byMailbox,
        runs: await allRuns(client),
        alerts: await allAlerts(client),
      };
    },
    { snapshot: true },
  );
}

/**
 * Loads an export in one transaction: all of it or nothing. Refused unless the database holds no
 * mailbox and no token; the two tables stay locked against writers until the load commits, so two
 * imports at once cannot both find them empty.
 */
export async function loadStores(pool: pg.Pool, dump: StoreDump, now: () => number): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query('LOCK TABLE mailboxes, api_tokens IN EXCLUSIVE MODE');
    const { rows } = await client.query<{ used: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM mailboxes) OR EXISTS (SELECT 1 FROM api_tokens) AS used',
    );
    if (rows[0]?.used)
      throw new RelayError(
        'conflict',
        `${targetOf(pool)} already holds mailboxes or API tokens; import into an empty database.`,
      );
    for (const t of dump.tokens) await insertToken(client, t);
    for (const m of dump.mailboxes)
      await client.query('INSERT INTO mailboxes (id, data, next_run) VALUES ($1, $2, $3)', [
        m.id,
        JSON.stringify(m),
        nextRunColumn(m),
      ]);
    // As the embedded import: the export's consents replace any, its journals replace theirs.
    await client.query('DELETE FROM consents');
    for (const c of dump.consents) await upsertConsent(client, c);
    await client.query('DELETE FROM ledger WHERE mailbox_id = ANY($1::text[])', [Object.keys(dump.ledger)]);
    for (const [mailboxId, entries] of Object.entries(dump.ledger))
      await insertEntries(client, mailboxId, entries);
    for (const r of dump.runs) await storeRun(client, r);
    // An open alert left from before (no mailbox, so nothing resolves it) gives way to the export's.
    const openKeys = dump.alerts.filter((a) => a.status === 'open').map((a) => a.key);
    await client.query("DELETE FROM alerts WHERE status = 'open' AND key = ANY($1::text[])", [openKeys]);
    for (const a of dump.alerts) await storeAlert(client, a);
    await pruneAlerts(client, now(), dump.alerts.at(-1)?.id);
  });
}
