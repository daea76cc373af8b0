import { randomUUID } from 'node:crypto';
import type { Alert } from '../../shared/alert.js';
import { isRelayError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { RELAY_CALLER } from '../mailboxes/access.js';
import type { MailboxEvent, MailboxService } from '../mailboxes/service.js';
import type { StoredMailbox } from '../store/records.js';
import type { Caller } from '../store/repository.js';
import type { AlertRepository } from '../store/repository.js';
import { type AlertThresholds, type Condition, mailboxConditions, relayConditions } from './conditions.js';
import type { AlertEvent, NotifierQueue } from './notifiers.js';

export interface AlertDeps {
  repo: AlertRepository;
  mailboxes: MailboxService;
  queues: NotifierQueue[];
  thresholds: AlertThresholds;
  log: Logger;
  now?: () => Date;
}

/**
 * Raises an alert once when a condition appears and resolves it once when it is gone (DESIGN §6),
 * never per run: a mailbox's conditions are evaluated whenever its state or settings change, and
 * everything once a minute for what only time brings (mails retrying too long, an expiry coming).
 */
export class AlertService {
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Evaluations one after the other, so two events never raise the same alert twice. */
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => Date;

  constructor(private readonly deps: AlertDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  start(everyMs = 60_000): void {
    this.unsubscribe = this.deps.mailboxes.onChange((e) => void this.onMailbox(e));
    this.timer = setInterval(() => void this.evaluateAll(), everyMs);
    this.timer.unref();
    void this.serial(() => this.resend());
    void this.evaluateAll();
  }

  /**
   * What a stop or a crash kept from the receivers: an open alert whose raising, or a resolved one
   * whose resolution, no notifier delivered yet.
   */
  private async resend() {
    for (const alert of await this.deps.repo.all())
      for (const q of this.deps.queues) {
        const done = (type: string) => alert.notified.includes(`${q.name}:${type}`);
        if (alert.status === 'open' && !done('raised')) this.deliverVia(q, { type: 'raised', alert });
        if (alert.status === 'resolved' && done('raised') && !done('resolved'))
          this.deliverVia(q, { type: 'resolved', alert });
      }
  }

  private deliverVia(q: NotifierQueue, e: AlertEvent) {
    q.push(e, () =>
      this.serial(async () => {
        const now = (await this.deps.repo.all()).find((a) => a.id === e.alert.id);
        if (now)
          await this.deps.repo.save({
            ...now,
            notified: [...new Set([...now.notified, `${q.name}:${e.type}`])],
          });
      }),
    );
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.settled();
  }

  /** Every evaluation started so far is done and every notification delivered or given up. */
  async settled(): Promise<void> {
    await this.chain;
    await Promise.all(this.deps.queues.map((q) => q.drain()));
    // A delivery marks its alert `notified` on the chain again.
    await this.chain;
  }

  private onMailbox(e: MailboxEvent) {
    if (e.type === 'deleted') return this.serial(() => this.reconcile(`mailbox:${e.id}:`, []));
    return this.serial(() => this.evaluateMailbox(e.mailbox));
  }

  evaluateAll(): Promise<void> {
    return this.serial(async () => {
      const all = await this.deps.mailboxes.list(RELAY_CALLER);
      for (const m of all) await this.evaluateMailbox(m);
      // Alerts of mailboxes deleted while their 'deleted' event could not be handled (a crash).
      const known = new Set(all.map((m) => m.id));
      for (const id of new Set(
        (await this.open()).flatMap((a) => (a.mailboxId && !known.has(a.mailboxId) ? [a.mailboxId] : [])),
      ))
        await this.reconcile(`mailbox:${id}:`, []);
      await this.reconcile('relay:', relayConditions(this.now(), this.deps.thresholds));
    });
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.chain
      .then(fn)
      .catch((e: unknown) => this.deps.log.error({ err: e, event: 'alert.failed' }));
    this.chain = next;
    return next;
  }

  private evaluateMailbox(m: StoredMailbox) {
    return this.reconcile(`mailbox:${m.id}:`, mailboxConditions(m, this.now(), this.deps.thresholds));
  }

  /** Opens what is new under `prefix`, resolves what is no longer there. */
  private async reconcile(prefix: string, conditions: Condition[]) {
    const open = (await this.deps.repo.all()).filter((a) => a.status === 'open' && a.key.startsWith(prefix));
    const at = this.now().toISOString();
    for (const c of conditions) {
      if (open.some((a) => a.key === c.key)) continue;
      const alert: Alert = {
        id: randomUUID(),
        ...c,
        status: 'open',
        raisedAt: at,
        resolvedAt: null,
        notified: [],
      };
      try {
        await this.deps.repo.save(alert);
      } catch (e) {
        // PostgreSQL keeps one open alert per key: a relay that led before this one raised it.
        if (isRelayError(e) && e.kind === 'conflict') continue;
        throw e;
      }
      this.announce({ type: 'raised', alert });
    }
    for (const a of open) {
      if (conditions.some((c) => c.key === a.key)) continue;
      const alert: Alert = { ...a, status: 'resolved', resolvedAt: at };
      await this.deps.repo.save(alert);
      this.announce({ type: 'resolved', alert });
    }
  }

  private announce(e: AlertEvent) {
    const a = e.alert;
    const line = {
      event: `alert.${e.type}`,
      alertId: a.id,
      key: a.key,
      kind: a.kind,
      severity: a.severity,
      mailboxId: a.mailboxId,
      action: a.action,
      message: a.message,
    };
    if (e.type === 'raised') this.deps.log.warn(line);
    else this.deps.log.info(line);
    for (const q of this.deps.queues) this.deliverVia(q, e);
  }

  /** Open alerts and those resolved in the last 30 days that the caller may see, newest first. */
  async list(caller: Caller): Promise<Alert[]> {
    const visible = new Set((await this.deps.mailboxes.list(caller)).map((m) => m.id));
    const admin = caller.roles.includes('admin');
    return (await this.deps.repo.all())
      .filter((a) => (a.mailboxId === null ? admin : visible.has(a.mailboxId)))
      .sort((a, b) => b.raisedAt.localeCompare(a.raisedAt));
  }

  async open(): Promise<Alert[]> {
    return (await this.deps.repo.all()).filter((a) => a.status === 'open');
  }

  async openCount(): Promise<number> {
    return (await this.open()).length;
  }

  /** Ends the notifiers' connections (an SMTP pool) so nothing holds the process after a stop. */
  closeNotifiers(): void {
    for (const q of this.deps.queues) q.close();
  }
}
