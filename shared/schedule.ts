import { Cron } from 'croner';
import { z } from 'zod';

export const DEFAULT_SCHEDULE = '*/5 * * * *';

/** Next run of a 5-field cron expression after `from`, or null when it never fires again. */
export function nextRunOf(schedule: string, from: Date = new Date()): Date | null {
  return new Cron(schedule, { paused: true }).nextRun(from);
}

// Five fields only: a seconds field would let one mailbox poll its server every second.
export const Schedule = z
  .string()
  .trim()
  .refine(
    (v) => v.split(/\s+/).length === 5,
    'must be a cron expression of 5 fields: minute hour day month weekday',
  )
  .refine((v) => {
    try {
      return nextRunOf(v) !== null;
    } catch {
      return false;
    }
  }, 'is not a valid cron expression');
