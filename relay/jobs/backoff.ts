import type { ImportRun } from '../../shared/run.js';
import type { Logger } from '../log/logger.js';
import type { BackoffRepository } from '../store/repository.js';

const MAX_BACKOFF_MS = 60 * 60_000;

/**
 * A mailbox whose scheduled runs keep failing waits 1, 2, 4 … minutes (at most an hour) before its
 * next scheduled try, so a broken server is not hammered every interval. Manual runs do not wait.
 */
export async function skipForBackoff(
  repo: BackoffRepository,
  mailboxId: string,
  now: Date,
  log: Logger,
): Promise<boolean> {
  const backoff = await repo.get(mailboxId);
  if (!backoff || backoff.until <= now.getTime()) return false;
  log.info({
    event: 'schedule.skip',
    mailboxId,
    reason: 'backoff',
    failures: backoff.count,
    until: new Date(backoff.until).toISOString(),
  });
  return true;
}

/** A failed run makes the wait longer; any other ends it. */
export async function recordOutcome(repo: BackoffRepository, mailboxId: string, run: ImportRun, now: Date) {
  if (run.status !== 'failed') return repo.clear(mailboxId);
  const count = ((await repo.get(mailboxId))?.count ?? 0) + 1;
  await repo.set(mailboxId, {
    count,
    until: now.getTime() + Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** (count - 1)),
  });
}
