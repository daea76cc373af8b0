import { z } from 'zod';
import { Alert } from '../../shared/alert.js';
import { ImportRun } from '../../shared/run.js';
import { LedgerEntry } from '../import/ledger-entry.js';
import { StoredConsent, StoredMailbox, StoredToken } from './records.js';

/**
 * What `export --out FILE` writes and `import-data --in FILE` reads (DESIGN §2, §5): everything a
 * store holds that outlives a process, secrets still sealed with the relay's key (the file opens
 * nothing without it), API tokens as their hashes. Pending sign-ins and backoff are not moved: they
 * last minutes.
 */
export const StoreDump = z.object({
  format: z.literal('mailbox-connect-export'),
  version: z.literal(1),
  exportedAt: z.string(),
  from: z.enum(['lowdb', 'postgres']),
  mailboxes: z.array(StoredMailbox),
  consents: z.array(StoredConsent),
  tokens: z.array(StoredToken),
  /** Per mailbox id, every entry the ledger keeps. */
  ledger: z.record(z.string(), z.array(LedgerEntry)),
  runs: z.array(ImportRun),
  alerts: z.array(Alert),
});
export type StoreDump = z.infer<typeof StoreDump>;

/** The counts an export or import prints: an admin checks them against the source. */
export const dumpCounts = (d: StoreDump) => ({
  mailboxes: d.mailboxes.length,
  consents: d.consents.length,
  tokens: d.tokens.length,
  ledgerEntries: Object.values(d.ledger).reduce((n, l) => n + l.length, 0),
  runs: d.runs.length,
  alerts: d.alerts.length,
});
