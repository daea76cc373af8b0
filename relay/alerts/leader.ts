import type { Logger } from '../log/logger.js';
import type { HeldLock, MailboxLocks } from '../store/repository.js';
import type { AlertService } from './alert-service.js';

/** Not a mailbox id (those are UUIDs): the lock of "the relay that sends alerts". */
const ALERTS_LOCK = 'relay:alerts';
const RETRY_MS = 15_000;

/**
 * Alerts are raised once per change (DESIGN §6), so with several relays on one database exactly
 * one of them evaluates and sends them: the one holding this lock, which dies with its connection,
 * so another relay takes over within RETRY_MS when it goes. Changes made through other relays reach
 * it by its minute-by-minute evaluation. The embedded store has one relay: it always leads.
 */
export function leadAlerts(alerts: AlertService, locks: MailboxLocks | null, log: Logger) {
  if (!locks) {
    alerts.start();
    return { stop: () => alerts.stop() };
  }
  let held: HeldLock | null = null;
  let stopped = false;
  const attempt = async () => {
    if (stopped) return;
    try {
      if (held?.lost) {
        log.warn({ event: 'alert.leader_lost' });
        await alerts.stop();
        held = null;
      }
      if (held) return;
      held = await locks.tryLock(ALERTS_LOCK);
      if (stopped) await held?.release();
      else if (held) {
        log.info({ event: 'alert.leader', detail: 'this relay evaluates and sends alerts' });
        alerts.start();
      }
    } catch (err) {
      log.error({ err, event: 'alert.leader_failed' });
    }
  };
  const timer = setInterval(() => void attempt(), RETRY_MS);
  timer.unref();
  void attempt();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (held) await alerts.stop();
      await held?.release();
    },
  };
}
