import { Cron } from 'croner';
import type { StoredMailbox } from '../store/records.js';

/** When a mailbox's schedule runs next after `now`; null while Auto processing is off or paused. */
export function nextRunOf(m: StoredMailbox, now: Date): string | null {
  if (!m.autoProcessing || m.state.paused) return null;
  return new Cron(m.schedule).nextRun(now)?.toISOString() ?? null;
}
