import { hostname } from 'node:os';
import type { Config } from '../config.js';
import type { Logger } from '../log/logger.js';
import type { MailboxService } from '../mailboxes/service.js';
import type { AlertRepository } from '../store/repository.js';
import { AlertService } from './alert-service.js';
import { EmailNotifier, NotifierQueue, WebhookNotifier } from './notifiers.js';

/** The alert service as DESIGN §6 configures it: the log always, a webhook and e-mail when set. */
export function alertsFromConfig(
  config: Config,
  repo: AlertRepository,
  mailboxes: MailboxService,
  log: Logger,
  now?: () => Date,
) {
  const a = config.alerts;
  const queues: NotifierQueue[] = [];
  if (a.url) queues.push(new NotifierQueue(new WebhookNotifier(a.url, a.token), log));
  if (a.smtpUrl && a.email)
    queues.push(
      new NotifierQueue(
        new EmailNotifier(a.smtpUrl, a.email, a.from ?? `mailbox-connect@${hostname()}`),
        log,
      ),
    );
  else if (a.smtpUrl || a.email)
    log.warn({
      event: 'alert.email_off',
      reason: 'RELAY_SMTP_URL and RELAY_ALERT_EMAIL are both needed for e-mail alerts',
    });
  return new AlertService({
    repo,
    mailboxes,
    queues,
    log,
    thresholds: {
      retryingMinutes: a.retryingMinutes,
      expiryDays: a.expiryDays,
      msClientSecretExpires: a.msClientSecretExpires,
      microsoftConfigured: Boolean(config.microsoft.clientId && config.microsoft.clientSecret),
    },
    ...(now && { now }),
  });
}
