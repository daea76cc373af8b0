import type { ImportRun, MailResult } from '../../shared/run.js';
import { Ledger, type LedgerEntry } from './ledger.js';
import type { RunStore } from './run-store.js';

/**
 * Runs a dead relay left `running` (kill -9, power loss) become `interrupted` when the next relay
 * opens the data directory (issue 8), with what they had done as the ledger tells it: every line
 * carries the run that wrote it. Subjects and documents were only in the lost memory.
 */
export function closeInterruptedRuns(runs: RunStore, ledgerDir: string, now: Date): ImportRun[] {
  return runs.leftRunning().map((run) => {
    const ledger = Ledger.open(ledgerDir, run.mailboxId, undefined, now);
    let done: LedgerEntry[];
    try {
      done = ledger.writtenBy(run.id);
    } finally {
      ledger.close();
    }
    const mails = done.sort((a, b) => a.uid - b.uid).map(outcomeOf);
    const closed: ImportRun = {
      ...run,
      status: 'interrupted',
      finishedAt: now.toISOString(),
      mails,
      counts: {
        seen: mails.length,
        imported: done.filter((e) => e.status !== 'retrying' && e.outcome === 'imported').length,
        notImported: done.filter((e) => e.status !== 'retrying' && e.outcome === 'not_imported').length,
        retrying: done.filter((e) => e.status === 'retrying').length,
        skipped: 0,
      },
      error: null,
    };
    runs.save(closed);
    return closed;
  });
}

function outcomeOf(e: LedgerEntry): MailResult {
  const outcome = e.status === 'retrying' ? 'retrying' : (e.outcome ?? 'not_imported');
  return {
    uid: e.uid,
    messageId: e.messageId,
    subject: null,
    from: null,
    outcome,
    reason: e.reason,
    detail:
      e.status === 'moved'
        ? 'Recorded before the relay stopped.'
        : 'Recorded before the relay stopped; the next run moves it.',
    documents: [],
  };
}
