import type { ErrorInfo } from '../../shared/errors.js';
import type { MailboxState } from '../../shared/mailbox.js';

/**
 * The mailbox's state after a run. An auth failure pauses the schedule until the credentials
 * change: retrying a wrong password every five minutes locks accounts (DESIGN §3 step 5).
 */
export function stateAfterRun(
  state: MailboxState,
  error: ErrorInfo | null,
  finishedAt: string,
  runId: string,
): MailboxState {
  const base = { ...state, lastRun: finishedAt, lastRunId: runId };
  if (error === null) return { ...base, status: 'ok', error: null };
  switch (error.kind) {
    case 'auth':
      return { ...base, status: 'auth_failed', error, paused: true, nextRun: null };
    case 'needs_reauth':
      return { ...base, status: 'needs_reauth', error, paused: true, nextRun: null };
    case 'folder_missing':
      return { ...base, status: 'folder_missing', error };
    default:
      return { ...base, status: 'error', error };
  }
}
