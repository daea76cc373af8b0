import { Cron } from 'croner';
import { isRelayError } from '../errors.js';
import { recordOutcome, skipForBackoff } from './backoff.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { ImportService } from '../import/import-service.js';
import type { MailboxEvent, MailboxService } from '../mailboxes/service.js';
import type { StoredMailbox } from '../store/records.js';
import type { BackoffRepository } from '../store/repository.js';
import { MemoryBackoff } from '../store/memory-backoff.js';

/**
 * One croner job per mailbox with Auto processing. Jobs call the import service, never routes.
 * A mailbox whose runs keep failing waits 1, 2, 4 … minutes (at most an hour) before the next
 * scheduled try; one whose login failed waits for new credentials.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Cron>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly mailboxes: MailboxService,
    private readonly imports: ImportService,
    private readonly now: () => Date = () => new Date(),
    private readonly log: Logger = silentLogger(),
    private readonly backoff: BackoffRepository = new MemoryBackoff(),
  ) {}

  async start(all: StoredMailbox[]): Promise<void> {
    for (const m of all) await this.sync(m);
    this.unsubscribe = this.mailboxes.onChange((e) => void this.onChange(e));
  }

  private async onChange(e: MailboxEvent) {
    // A run's own state change is no edit: the job stays as it is (and its recordNextRun follows).
    if (e.type === 'state') return;
    if (e.type === 'deleted') {
      await this.backoff.clear(e.id);
      return this.drop(e.id);
    }
    await this.backoff.clear(e.mailbox.id);
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
      if (await skipForBackoff(this.backoff, id, this.now(), this.log)) return;
      const run = await (await this.imports.start(id, 'schedule')).done;
      await recordOutcome(this.backoff, id, run, this.now());
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
