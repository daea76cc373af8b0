import type { Pool, PoolClient } from 'pg';
import type PgBoss from 'pg-boss';
import { isRelayError } from '../errors.js';
import type { ImportService } from '../import/import-service.js';
import { closeInterruptedRuns } from '../import/interrupted-runs.js';
import type { Logger } from '../log/logger.js';
import type { MailboxEvent, MailboxService } from '../mailboxes/service.js';
import type { StoredMailbox } from '../store/records.js';
import type { Stores } from '../store/repository.js';
import { recordOutcome, skipForBackoff } from './backoff.js';
import { nextRunOf } from '../mailboxes/next-run.js';

export interface DistributedDeps {
  mailboxes: MailboxService;
  imports: ImportService;
  stores: Pick<Stores, 'runs' | 'ledger' | 'locks' | 'backoff'>;
  pool: Pool;
  boss: PgBoss;
  queue: string;
  claimDue: (
    pool: Pool,
    nowIso: string,
    limit: number,
    next: (m: StoredMailbox) => string | null,
    enqueue: (client: PoolClient, ms: StoredMailbox[]) => Promise<void>,
  ) => Promise<StoredMailbox[]>;
  /** Runs this relay takes at once (RELAY_MAX_CONCURRENT_RUNS). */
  capacity: number;
  tickMs: number;
  log: Logger;
  now?: () => Date;
}

/** Looking for runs a dead relay left `running` opens a connection per run: not on every tick. */
const CLOSE_DEAD_EVERY = 6;
const CLAIM_LIMIT = 500;

/**
 * Scheduling across every relay of one database (DESIGN §5, issue 10). Each relay ticks: it claims
 * the mailboxes that are due (`FOR UPDATE SKIP LOCKED`, so two relays never claim one), moves their
 * next run on and enqueues one pg-boss job each in the same transaction, keyed by mailbox (policy
 * `short`: one waiting job per mailbox, however many ticks pass). Any relay with a free run slot
 * fetches jobs. The mailbox's advisory lock (MailboxLocks), not the job, makes a run exclusive:
 * pg-boss 10 has no heartbeat, and a job of a killed relay stays `active` until it expires, while
 * its lock died with its connection and the next tick's job runs elsewhere. An edit through any
 * relay is stored with its new next run, which every relay's tick reads: it reschedules everywhere.
 */
export class DistributedScheduler {
  private tickTimer: NodeJS.Timeout | null = null;
  private fetchTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private ticks = 0;
  private active = 0;
  private stopped = false;
  private fetching = false;
  private ticking: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => Date;

  constructor(private readonly deps: DistributedDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async start(all: StoredMailbox[]): Promise<void> {
    // Only what is missing or stale: a due mailbox keeps its past nextRun, so the next tick runs it
    // (a relay that starts must not push another relay's due mailbox a whole interval on).
    for (const m of all) {
      const next = nextRunOf(m, this.now());
      if ((next === null) !== (m.state.nextRun === null)) await this.setNextRun(m.id, next);
    }
    this.unsubscribe = this.deps.mailboxes.onChange((e) => void this.onChange(e));
    this.tickTimer = setInterval(() => void this.tick(), this.deps.tickMs);
    this.fetchTimer = setInterval(() => void this.fetch(), Math.min(1_000, this.deps.tickMs));
    void this.tick();
  }

  private async onChange(e: MailboxEvent) {
    if (e.type === 'state') return;
    const id = e.type === 'deleted' ? e.id : e.mailbox.id;
    await this.deps.stores.backoff.clear(id).catch(() => {});
    // MailboxService stores the next run with each edit; a save by another flow (an OAuth
    // reconnect lifting a pause) may leave it behind, which is mended here.
    const next = e.type === 'saved' ? nextRunOf(e.mailbox, this.now()) : null;
    if (e.type === 'saved' && (next === null) !== (e.mailbox.state.nextRun === null))
      await this.setNextRun(id, next).catch((err: unknown) =>
        this.deps.log.error({ err, event: 'schedule.bug', mailboxId: id }),
      );
  }

  private setNextRun(id: string, next: string | null) {
    return this.deps.mailboxes.patchState(id, (m) => ({ ...m, state: { ...m.state, nextRun: next } }));
  }

  /** One tick: enqueue what is due, and now and then close the runs of relays that died. */
  tick(): Promise<void> {
    this.ticking = this.ticking.then(() => this.tickOnce());
    return this.ticking;
  }

  private async tickOnce() {
    if (this.stopped) return;
    const now = this.now();
    try {
      const claimed = await this.deps.claimDue(
        this.deps.pool,
        now.toISOString(),
        CLAIM_LIMIT,
        (m) => nextRunOf(m, now),
        async (client, ms) => {
          const jobs = ms
            .filter((m) => m.autoProcessing && !m.state.paused)
            .map((m) => ({
              name: this.deps.queue,
              data: { mailboxId: m.id, due: m.state.nextRun },
              singletonKey: m.id,
            }));
          if (jobs.length > 0)
            await this.deps.boss.insert(jobs, {
              db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
            });
        },
      );
      if (claimed.length > 0) {
        this.deps.log.debug({ event: 'schedule.enqueued', mailboxes: claimed.length });
        void this.fetch();
      }
      if (this.ticks++ % CLOSE_DEAD_EVERY === 0) {
        const closed = await closeInterruptedRuns(this.deps.stores, now, (err) =>
          this.deps.log.error({ err, event: 'run.unclosed' }),
        );
        for (const run of closed)
          this.deps.log.warn({
            event: 'run.interrupted',
            mailboxId: run.mailboxId,
            runId: run.id,
            reason: 'its relay stopped without ending it',
          });
      }
    } catch (err) {
      this.deps.log.error({ err, event: 'schedule.tick_failed' });
    }
  }

  /** Takes as many jobs as there are free run slots; each is completed when its run ends. */
  private async fetch() {
    if (this.stopped || this.fetching) return;
    this.fetching = true;
    try {
      // Manual runs take slots too: a relay busy with them leaves scheduled ones to the others.
      const free = () => this.deps.capacity - Math.max(this.active, this.deps.imports.activeCount());
      while (!this.stopped && free() > 0) {
        const jobs = await this.deps.boss.fetch<{ mailboxId: string }>(this.deps.queue, {
          batchSize: free(),
        });
        if (jobs.length === 0) break;
        for (const job of jobs) {
          this.active++;
          const handled = this.handle(job.data.mailboxId)
            .finally(() => this.deps.boss.complete(this.deps.queue, job.id).catch(() => {}))
            .finally(() => {
              this.active--;
              this.inFlight.delete(handled);
              void this.fetch();
            });
          this.inFlight.add(handled);
        }
      }
    } catch (err) {
      this.deps.log.error({ err, event: 'schedule.fetch_failed' });
    } finally {
      this.fetching = false;
    }
  }

  private async handle(id: string): Promise<void> {
    try {
      const m = await this.deps.mailboxes.find(id);
      if (!m || !m.autoProcessing || m.state.paused) {
        const reason = !m ? 'deleted' : m.state.paused ? 'paused' : 'auto processing off';
        this.deps.log.info({ event: 'schedule.skip', mailboxId: id, reason });
        return;
      }
      if (await skipForBackoff(this.deps.stores.backoff, id, this.now(), this.deps.log)) return;
      const run = await (await this.deps.imports.start(id, 'schedule')).done;
      await recordOutcome(this.deps.stores.backoff, id, run, this.now());
    } catch (e) {
      // Another relay (or a manual run) holds the mailbox: it is being imported, nothing is lost.
      if (isRelayError(e) && e.kind === 'conflict')
        this.deps.log.info({ event: 'schedule.skip', mailboxId: id, reason: 'overlap', detail: e.message });
      else if (isRelayError(e))
        this.deps.log.warn({ event: 'schedule.skip', mailboxId: id, reason: e.kind, detail: e.message });
      else this.deps.log.error({ err: e, event: 'schedule.bug', mailboxId: id });
    }
  }

  /** No new ticks or jobs; runs going on end through ImportService.stop(). */
  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.fetchTimer) clearInterval(this.fetchTimer);
  }

  /** After the runs ended: their jobs are completed, then the queue's connections close. */
  async close(): Promise<void> {
    this.stop();
    await Promise.allSettled([this.ticking, ...this.inFlight]);
    await this.deps.boss.stop({ graceful: false, wait: true });
  }
}
