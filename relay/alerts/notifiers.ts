/**
 * Where alerts go besides the log (DESIGN §6): a webhook (JSON POST, RELAY_ALERT_URL) and e-mail
 * (nodemailer over RELAY_SMTP_URL). Each notifier delivers in order on its own queue, retried with
 * a doubling wait, so a receiver that is down never blocks an import or another notifier.
 */
import { createTransport, type Transporter } from 'nodemailer';
import type { Alert } from '../../shared/alert.js';
import type { Logger } from '../log/logger.js';

export interface AlertEvent {
  type: 'raised' | 'resolved';
  alert: Alert;
}

export interface Notifier {
  readonly name: string;
  send(e: AlertEvent): Promise<void>;
  close?(): void;
}

/** A delivery failure worded for the log: never the receiver's URL, never a server's raw answer. */
export class NotifyError extends Error {}

/** nodemailer waits minutes by default; an alert must not hold a shutdown that long. */
const SMTP_TIMEOUT_MS = 10_000;

export class WebhookNotifier implements Notifier {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(e: AlertEvent) {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.token && { authorization: `Bearer ${this.token}` }),
        },
        body: JSON.stringify({ event: e.type, alert: e.alert }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      // Worded here: fetch's own messages may quote the URL.
      throw new NotifyError(
        (err as Error).name === 'TimeoutError' ? 'the webhook timed out' : 'the webhook could not be reached',
      );
    }
    await res.body?.cancel();
    if (!res.ok) throw new NotifyError(`the webhook answered ${res.status}`);
  }
}

export class EmailNotifier implements Notifier {
  readonly name = 'email';
  private readonly transport: Transporter;
  constructor(
    smtpUrl: string,
    private readonly to: string,
    private readonly from: string,
  ) {
    this.transport = createTransport(smtpUrl, {
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    });
  }

  close() {
    this.transport.close();
  }

  async send(e: AlertEvent) {
    const a = e.alert;
    const what = e.type === 'raised' ? (a.severity === 'critical' ? 'Problem' : 'Warning') : 'Resolved';
    const subject = `[Mailbox Connect] ${what}: ${a.mailbox ?? 'relay'}`;
    const lines = [
      a.message,
      '',
      `Mailbox: ${a.mailbox ?? '(the relay itself)'}`,
      `Since: ${a.raisedAt}`,
      ...(a.resolvedAt ? [`Resolved: ${a.resolvedAt}`] : []),
      ...(a.action ? [`What to do: ${ACTION_TEXT[a.action]}`] : []),
    ];
    try {
      await this.transport.sendMail({ from: this.from, to: this.to, subject, text: lines.join('\n') });
    } catch (err) {
      const { code, responseCode } = err as { code?: unknown; responseCode?: unknown };
      throw new NotifyError(
        `the SMTP server refused or failed (${String(responseCode ?? code ?? 'no answer')})`,
      );
    }
  }
}

const ACTION_TEXT: Record<NonNullable<Alert['action']>, string> = {
  reconnect: 'Reconnect the mailbox in the "Connect mailbox" panel.',
  ask_aad_manager: 'Ask your Azure Active Directory Manager to click "Office365 Consent".',
  check_folder: 'Check the folder settings of the mailbox.',
  check_password: 'Check the user name and password of the mailbox.',
  check_settings: 'Check the mailbox settings and the mail server.',
  check_delivery: 'Check that Onventis (the delivery target) is reachable.',
  renew_client_secret: 'Create a new client secret in Entra ID and set RELAY_MS_CLIENT_SECRET.',
  tell_relay_admin: "Tell the relay's administrator.",
};

/** One queue per notifier: in order, never blocking the caller, retried 1, 2, 4 … s up to `tries`. */
export class NotifierQueue {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  constructor(
    private readonly notifier: Notifier,
    private readonly log: Logger,
    private readonly tries = 6,
    private readonly baseMs = 1000,
  ) {}

  get name(): string {
    return this.notifier.name;
  }

  /** Queues `e`; `delivered` runs once the receiver took it (not when it was given up). */
  push(e: AlertEvent, delivered: () => Promise<void> = async () => {}): void {
    this.tail = this.tail.then(async () => {
      if (await this.deliver(e)) await delivered().catch(() => {});
    });
  }

  /** Resolves when everything pushed so far was delivered or given up (shutdown, tests). */
  drain(): Promise<void> {
    return this.tail;
  }

  /** No further attempts: what is left is sent by the next start (AlertService.resend). */
  close(): void {
    this.closed = true;
    this.notifier.close?.();
  }

  private async deliver(e: AlertEvent): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return false;
      try {
        await this.notifier.send(e);
        this.log.info({ event: 'alert.sent', via: this.notifier.name, alertId: e.alert.id, type: e.type });
        return true;
      } catch (err) {
        const reason = err instanceof NotifyError ? err.message : 'the delivery failed';
        if (attempt >= this.tries) {
          this.log.error({
            event: 'alert.undelivered',
            via: this.notifier.name,
            alertId: e.alert.id,
            reason,
          });
          return false;
        }
        this.log.warn({
          event: 'alert.retry',
          via: this.notifier.name,
          alertId: e.alert.id,
          attempt,
          reason,
        });
        await new Promise((r) => setTimeout(r, this.baseMs * 2 ** (attempt - 1)).unref());
      }
    }
  }
}
