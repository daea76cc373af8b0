import type pg from 'pg';
import { RelayError } from '../../errors.js';
import type { Stores } from '../repository.js';
import { PgAlertRepository } from './alert-repository.js';
import { PgBackoffRepository } from './backoff-repository.js';
import { PgConsentRepository } from './consent-repository.js';
import { dumpStores, loadStores } from './dump.js';
import { PgLedgerRepository } from './ledger-repository.js';
import { PgMailboxLocks } from './mailbox-locks.js';
import { PgMailboxRepository } from './mailbox-repository.js';
import { PgPendingFlows } from './pending-flows.js';
import { createPool, targetOf, withTransaction } from './pool.js';
import { PgRunRepository } from './run-repository.js';
import { schemaProblem, schemaStatus } from './schema-status.js';
import { PgTokenRepository } from './token-repository.js';

/**
 * Everything in PostgreSQL (DESIGN §5), shared by any number of relays. Does not migrate: a schema
 * that is missing or older than this relay is a `config` error naming the command that fixes it.
 */
export async function openPostgresStores(
  url: string,
  opts: { now?: () => number } = {},
): Promise<Stores & { pool: pg.Pool }> {
  const now = opts.now ?? Date.now;
  const pool = createPool(url);
  try {
    await checkSchema(pool);
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
  const locks = new PgMailboxLocks(url, targetOf(pool));
  let closed = false;
  return {
    kind: 'postgres',
    pool,
    mailboxes: new PgMailboxRepository(pool),
    consents: new PgConsentRepository(pool),
    tokens: new PgTokenRepository(pool, now),
    flows: new PgPendingFlows(pool, now),
    backoff: new PgBackoffRepository(pool),
    ledger: new PgLedgerRepository(pool, now),
    runs: new PgRunRepository(pool),
    alerts: new PgAlertRepository(pool, now),
    locks,
    dump: () => dumpStores(pool, now),
    load: (dump) => loadStores(pool, dump, now),
    async close() {
      if (closed) return;
      closed = true;
      await locks.close();
      await pool.end();
    },
  };
}

async function checkSchema(pool: pg.Pool): Promise<void> {
  const status = await withTransaction(pool, (client) => schemaStatus(client));
  const problem = schemaProblem(status, targetOf(pool));
  if (problem) throw new RelayError('config', problem, { adminFault: true });
}
