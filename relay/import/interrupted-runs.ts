import type { ImportRun, MailResult } from '../../shared/run.js';
import { Ledger, type LedgerEntry } from './ledger.js';
import { countMail } from './run-counts.js';
import type { RunStore } from './run-store.js';

/**
 * Runs a dead relay left `running` (kill -9, power loss) become `interrupted` when the next relay
 * opens the data directory (issue 8), with what they had done as the ledger tells it: every line
 * carries the run that wrote it. Subjects and documents were only in the lost memory. A run that
 * cannot be closed (a full disk, a damaged file) is reported and left for the next start: it must
 * not keep the relay from starting.
 */
export function closeInterruptedRuns(
  runs: RunStore,
  ledgerDir: string,
  now: Date,
  onError: (e: unknown) => void,
): void {
  for (const run of runs.leftRunning()) {
    try {
      const ledger = Ledger.open(ledgerDir, run.mailboxId, undefined, now);
      let done: LedgerEntry[];
      try {
        done = ledger.writtenBy(run.id);
      } finally {
        ledger.close();
      }
      const closed: ImportRun = {
        ...run,
        status: 'interrupted',
        finishedAt: now.toISOString(),
        mails: [],
        counts: { seen: 0, imported: 0, notImported: 0, retrying: 0, skipped: 0 },
        error: null,
      };
      for (const e of done.sort((a, b) => a.uid - b.uid)) countMail(closed, outcomeOf(e));
      runs.save(closed);
    } catch (e) {
      onError(e);
    }
  }
}

function outcomeOf(e: LedgerEntry): MailResult {
  return {
    uid: e.uid,
    messageId: e.messageId,
    subject: null,
    from: null,
    outcome: e.status === 'retrying' ? 'retrying' : (e.outcome ?? 'not_imported'),
    reason: e.reason,
    detail:
      e.status === 'moved'
        ? 'Recorded before the relay stopped.'
        : 'Recorded before the relay stopped; the next run moves it.',
    documents: [],
  };
}
