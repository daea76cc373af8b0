import type { ImportRun, MailResult } from '../../shared/run.js';
import type { LedgerRepository, MailboxLocks, RunRepository } from '../store/repository.js';
import type { LedgerEntry } from './ledger-entry.js';
import { countMail } from './run-counts.js';

/**
 * Runs a dead relay left `running` (kill -9, power loss, a lost machine) become `interrupted` (issue
 * 8), with what they had done as the ledger tells it: every entry carries the run that wrote it.
 * Subjects and documents were only in the lost memory. A run is dead when its mailbox's lock is free:
 * a live run holds it for as long as it goes, on any relay (DESIGN §5). The embedded store asks once
 * at start; with PostgreSQL every relay asks on its ticks, so a lost machine's runs are closed by the
 * others. A run that cannot be closed (a full disk, a damaged file) is reported and left for later:
 * it must not keep the relay from starting.
 */
export async function closeInterruptedRuns(
  stores: { runs: RunRepository; ledger: LedgerRepository; locks: MailboxLocks },
  now: Date,
  onError: (e: unknown) => void,
): Promise<ImportRun[]> {
  const closed: ImportRun[] = [];
  for (const left of await stores.runs.leftRunning()) {
    try {
      const lock = await stores.locks.tryLock(left.mailboxId);
      if (!lock) continue;
      try {
        // Read again under the lock: the run may have ended between the listing and the lock.
        const run = await stores.runs.get(left.id);
        if (run?.status !== 'running') continue;
        const ledger = await stores.ledger.open(run.mailboxId, { now });
        let done: LedgerEntry[];
        try {
          done = await ledger.writtenBy(run.id);
        } finally {
          await ledger.close();
        }
        // It ended when its relay died, not now: its last recorded mail is the best witness of that.
        const last = done.reduce((t, e) => (e.at > t ? e.at : t), run.startedAt);
        const ended: ImportRun = {
          ...run,
          status: 'interrupted',
          finishedAt: last < now.toISOString() ? last : now.toISOString(),
          mails: [],
          counts: { seen: 0, imported: 0, notImported: 0, retrying: 0, skipped: 0 },
          error: null,
        };
        for (const e of done.sort((a, b) => a.uid - b.uid)) countMail(ended, outcomeOf(e));
        await stores.runs.save(ended);
        closed.push(ended);
      } finally {
        await lock.release();
      }
    } catch (e) {
      onError(e);
    }
  }
  return closed;
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
