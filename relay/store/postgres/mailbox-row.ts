import type { StoredMailbox } from '../records.js';

/**
 * `mailboxes.next_run`: when the scheduler is to run it, NULL while it is not scheduled at all
 * (Auto processing off, or paused after an auth failure until its credentials change).
 */
export const nextRunColumn = (m: StoredMailbox): string | null =>
  m.autoProcessing && !m.state.paused ? m.state.nextRun : null;
