import { Cron } from 'croner';
import { isRelayError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { ImportService } from '../import/import-service.js';
import type { MailboxEvent, MailboxService } from '../mailboxes/service.js';
import type { StoredMailbox } from '../store/records.js';

const MAX_BACKOFF_MS = 60 * 60_000;

/**
 * One croner job per mailbox with Auto processing. Jobs call the import service, never routes.
 * A mailbox whose runs keep failing waits 1, 2, 4 … minutes (at most an hour) before the next
 * scheduled try; one whose login failed waits for new credentials.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Cron>();
  private readonly failures = new Map<string, { count: number; until: number }>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly mailboxes: MailboxService,
    private readonly imports: ImportService,
    private readonly now: () => Date = () => new Date(),
    private readonly log: Logger = silentLogger(),
  ) {}

  async start(all: StoredMailbox[]): Promise<void> {
    for (const m of all) await this.sync(m);
    this.unsubscribe = this.mailboxes.onChange((e) => void this.onChange(e));
  }

  private async onChange(e: MailboxEvent) {
    // A run's own state change is no edit: the job stays as it is (and its recordNextRun follows).
    if (e.type === 'state') return;
    if (e.type === 'deleted') {
      this.failures.delete(e.id);
      return this.drop(e.id);
    }
    this.failures.delete(e.mailbox.id);
    await this.sync(e.mailbox);
  }

  private drop(id: string) {
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
  }

  /** A saved change takes effect at once: the job is rebuilt from the stored schedule. */
  private async sync(m: StoredMailbox) {
    this.drop(m.id);
    const active = m.autoProcessing && !m.state.paused;
    if (active) this.jobs.set(m.id, new Cron(m.schedule, { protect: true }, () => this.fire(m.id)));
    await this.recordNextRun(m.id);
  }

  private async recordNextRun(id: string) {
    const next = this.jobs.get(id)?.nextRun() ?? null;
    await this.mailboxes.patchState(id, (m) => ({
      ...m,
      state: { ...m.state, nextRun: next?.toISOString() ?? null },
    }));
  }

  /** One scheduled tick of a mailbox: what croner calls. */
  async fire(id: string): Promise<void> {
    try {
      const m = await this.mailboxes.find(id);
      if (!m || m.state.paused) {
        this.log.info({ event: 'schedule.skip', mailboxId: id, reason: m ? 'paused' : 'deleted' });
        return this.drop(id);
      }
      const backoff = this.failures.get(id);
      if (backoff && backoff.until > this.now().getTime()) {
        const until = new Date(backoff.until).toISOString();
        this.log.info({
          event: 'schedule.skip',
          mailboxId: id,
          reason: 'backoff',
          failures: backoff.count,
          until,
        });
        return;
      }
      const run = await this.imports.start(id, 'schedule').done;
      if (run.status === 'failed') {
        const count = (backoff?.count ?? 0) + 1;
        this.failures.set(id, {
          count,
          until: this.now().getTime() + Math.min(MAX_BACKOFF_MS, 60_000 * 2 ** (count - 1)),
        });
      } else this.failures.delete(id);
      const after = await this.mailboxes.find(id);
      if (after?.state.paused) this.drop(id);
    } catch (e) {
      // A manual run holds the mailbox (409), or the relay is stopping: the next tick tries again.
      if (isRelayError(e) && e.kind === 'conflict')
        this.log.info({ event: 'schedule.skip', mailboxId: id, reason: 'overlap', detail: e.message });
      else if (isRelayError(e))
        this.log.warn({ event: 'schedule.skip', mailboxId: id, reason: e.kind, detail: e.message });
      else this.log.error({ err: e, event: 'schedule.bug', mailboxId: id });
    } finally {
      if (this.jobs.has(id)) await this.recordNextRun(id).catch(() => {});
    }
  }

  stop(): void {
    this.unsubscribe?.();
    for (const id of [...this.jobs.keys()]) this.drop(id);
  }
}
