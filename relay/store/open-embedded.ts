import { join } from 'node:path';
import { JsonAlertStore } from '../alerts/alert-store.js';
import { JournalLedgers } from '../import/ledger.js';
import { RunStore } from '../import/run-store.js';
import { MemoryPendingFlows } from '../oauth/pending-flows.js';
import { RelayError } from '../errors.js';
import type { StoreDump } from './dump.js';
import { LowStore } from './low-store.js';
import { MemoryBackoff } from './memory-backoff.js';
import { ProcessLocks } from './process-locks.js';
import type { Stores } from './repository.js';
import { TokenStore } from './token-store.js';

export interface EmbeddedOptions {
  now?: () => number;
  /** A damaged alerts.json was set aside. */
  onDamaged?: (why: string) => void;
}

/**
 * The embedded default (DESIGN §2, §5): configurations in lowdb (`db.json`), API tokens in
 * `tokens.json`, the ledger as a journal per mailbox, run history as files, alerts in `alerts.json`;
 * pending sign-ins, backoff and run locks in memory. The caller holds the data directory's lock.
 */
export async function openEmbeddedStores(dataDir: string, opts: EmbeddedOptions = {}): Promise<Stores> {
  const low = await LowStore.open(dataDir);
  const tokens = new TokenStore(dataDir);
  const ledger = new JournalLedgers(join(dataDir, 'ledger'));
  const runs = new RunStore(join(dataDir, 'runs'));
  const alerts = new JsonAlertStore(dataDir, opts.onDamaged);
  return {
    kind: 'lowdb',
    mailboxes: low,
    consents: low,
    tokens,
    flows: new MemoryPendingFlows(opts.now),
    backoff: new MemoryBackoff(),
    ledger,
    runs,
    alerts,
    locks: new ProcessLocks(),
    async dump(): Promise<StoreDump> {
      return {
        format: 'mailbox-connect-export',
        version: 1,
        exportedAt: new Date().toISOString(),
        from: 'lowdb',
        mailboxes: await low.list(),
        consents: await low.listConsents(),
        tokens: await tokens.all(),
        ledger: ledger.all(),
        runs: runs.all(),
        alerts: await alerts.all(),
      };
    },
    async load(dump: StoreDump) {
      if ((await low.list()).length > 0 || (await tokens.list()).length > 0)
        throw new RelayError(
          'conflict',
          `The data directory ${dataDir} already holds mailboxes or API tokens; import into an empty one.`,
        );
      // Tokens first: a token without mailboxes is harmless where the reverse locks everybody out.
      await tokens.loadAll(dump.tokens);
      ledger.load(dump.ledger);
      runs.loadAll(dump.runs);
      for (const a of dump.alerts) await alerts.save(a);
      await low.loadAll(dump.mailboxes, dump.consents);
    },
    async close() {},
  };
}
