import type { ErrorInfo } from '../../shared/errors.js';
import type { MailboxState } from '../../shared/mailbox.js';

export interface RunEnding {
  error: ErrorInfo | null;
  /** Whether the failure may pass by itself (RelayError.retryable, which some errors override). */
  retryable: boolean;
  finishedAt: string;
  runId: string;
  /** Mails the run left waiting for a retry, with the reason of one of them. */
  waiting: { mails: number; detail: string | null };
}

/**
 * The mailbox's state after a run (DESIGN §1: never `ok` while something is wrong). An auth failure
 * pauses the schedule until the credentials change: retrying a wrong password every five minutes
 * locks accounts (DESIGN §3 step 5). A failure that may pass by itself (network, timeout, the
 * target down) is `retrying` the first time and `error` the second time in a row (issue 9).
 */
export function stateAfterRun(state: MailboxState, end: RunEnding): MailboxState {
  const { error, finishedAt, runId, waiting, retryable } = end;
  const base = { ...state, lastRun: finishedAt, lastRunId: runId };
  if (error === null) {
    if (waiting.mails === 0) return { ...base, status: 'ok', error: null, retrying: null, failedRuns: 0 };
    return {
      ...base,
      status: 'retrying',
      error: { kind: 'delivery', message: waiting.detail ?? 'The documents could not be delivered yet.' },
      retrying: { mails: waiting.mails, since: state.retrying?.since ?? finishedAt },
      failedRuns: 0,
    };
  }
  const failed = { ...base, error, failedRuns: state.failedRuns + 1 };
  switch (error.kind) {
    case 'auth':
      return { ...failed, status: 'auth_failed', paused: true, nextRun: null };
    case 'needs_reauth':
      return { ...failed, status: 'needs_reauth', paused: true, nextRun: null };
    case 'folder_missing':
      return { ...failed, status: 'folder_missing' };
    default:
      // `retrying` stays as the last run that could count left it: a failed run counted nothing.
      return { ...failed, status: retryable && failed.failedRuns < 2 ? 'retrying' : 'error' };
  }
}
