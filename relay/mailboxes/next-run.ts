import { Cron } from 'croner';
import type { StoredMailbox } from '../store/records.js';

/** The first time after `now` that a cron expression names. */
export const nextRunAt = (schedule: string, now: Date): string | null =>
  new Cron(schedule).nextRun(now)?.toISOString() ?? null;

/** When a mailbox's schedule runs next after `now`; null while Auto processing is off or paused. */
export function nextRunOf(m: StoredMailbox, now: Date): string | null {
  return m.autoProcessing && !m.state.paused ? nextRunAt(m.schedule, now) : null;
}
