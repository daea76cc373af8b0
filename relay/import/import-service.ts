import { randomBytes } from 'node:crypto';
import type { HeldLock, LedgerRepository, MailboxLocks, RunRepository } from '../store/repository.js';
import type { ErrorInfo } from '../../shared/errors.js';
import type { ImportRun, RunTrigger } from '../../shared/run.js';
import { isRelayError, RelayError } from '../errors.js';
import type { MailboxDriver } from '../mail/driver.js';
import type { CredentialResolver } from '../mailboxes/credentials.js';
import type { MailboxService } from '../mailboxes/service.js';
import type { DeliveryTarget } from './delivery/target.js';
import type { Failpoint } from './failpoints.js';
import { runPipeline } from './pipeline.js';
import type { Logger } from '../log/logger.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import { storageError } from '../store/storage-error.js';
import { countMail } from './run-counts.js';
import { Semaphore } from './semaphore.js';
import { stateAfterRun } from './state-after-run.js';

export interface ImportDeps {
  mailboxes: MailboxService;
  credentials: CredentialResolver;
  driver: MailboxDriver;
  runs: RunRepository;
  ledger: LedgerRepository;
  /** One run per mailbox across every relay of the store (DESIGN §5). */
  locks: MailboxLocks;
  target: DeliveryTarget;
  dataDir: string;
  /** Where documents are staged before they are delivered (beside the outbox). */
  stagingRoot: string;
  limits: {
    maxMessages: number;
    maxMailBytes: number;
    maxConcurrentRuns: number;
    maxTries: number;
    retryBaseMs: number;
    copyGraceMs: number;
  };
  now?: () => Date;
  failpoint?: Failpoint | undefined;
  log: Logger;
  metrics?: RelayMetrics;
}

/** Manual runs wait for a slot up to this many times the slots (RELAY_MAX_CONCURRENT_RUNS). */
const MAX_WAITING_FACTOR = 4;

const newRunId = (now: Date) =>
  `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;

/** Starts import runs: one per mailbox at a time, a global limit across mailboxes. */
export class ImportService {
  private readonly running = new Map<string, { run: ImportRun; done: Promise<ImportRun> }>();
  /** Mailboxes between a start's first check and its run's registration (the lock is awaited). */
  private readonly starting = new Set<string>();
  private readonly semaphore: Semaphore;
  private stopping = false;
  private readonly now: () => Date;

  constructor(private readonly deps: ImportDeps) {
    this.semaphore = new Semaphore(deps.limits.maxConcurrentRuns);
    this.now = deps.now ?? (() => new Date());
  }

  /** The runs going now, for health details. */
  runningNow(): { mailboxId: string; runId: string; startedAt: string; trigger: RunTrigger }[] {
    return [...this.running.values()].map(({ run }) => ({
      mailboxId: run.mailboxId,
      runId: run.id,
      startedAt: run.startedAt,
      trigger: run.trigger,
    }));
  }

  isRunning(mailboxId: string) {
    return this.running.has(mailboxId);
  }

  /** Runs started here and not yet ended, those waiting for a slot included. */
  activeCount() {
    return this.running.size + this.starting.size;
  }

  /**
   * The run as it is now: live while this relay runs it, else from the store (where another relay
   * of the same database saved it at its start and will at its end).
   */
  async get(runId: string): Promise<ImportRun | undefined> {
    for (const { run } of this.running.values()) if (run.id === runId) return structuredClone(run);
    return this.deps.runs.get(runId);
  }

  /**
   * Starts a run once the mailbox's lock is held and returns it; `done` settles when it ends. 409
   * while one is going here or on any relay of the store.
   */
  async start(mailboxId: string, trigger: RunTrigger): Promise<{ run: ImportRun; done: Promise<ImportRun> }> {
    if (this.stopping) throw new RelayError('conflict', 'The relay is shutting down.');
    if (this.running.has(mailboxId) || this.starting.has(mailboxId))
      throw new RelayError('conflict', 'An import of this mailbox is already running.');
    // Each run waiting for a slot holds its mailbox's lock, with PostgreSQL a connection: "import
    // now" for hundreds of mailboxes at once must not take every connection the database has.
    if (trigger === 'manual' && this.activeCount() >= MAX_WAITING_FACTOR * this.deps.limits.maxConcurrentRuns)
      throw new RelayError(
        'rate_limited',
        `This relay is busy: ${this.activeCount()} imports are running or waiting. Try again in a minute.`,
      );
    this.starting.add(mailboxId);
    try {
      const lock = await this.deps.locks.tryLock(mailboxId);
      if (!lock)
        throw new RelayError('conflict', 'An import of this mailbox is already running on another relay.');
      try {
        return await this.begin(mailboxId, trigger, lock);
      } catch (e) {
        await lock.release();
        throw e;
      }
    } finally {
      this.starting.delete(mailboxId);
    }
  }

  private async begin(mailboxId: string, trigger: RunTrigger, lock: HeldLock) {
    const run: ImportRun = {
      id: newRunId(this.now()),
      mailboxId,
      trigger,
      status: 'running',
      startedAt: this.now().toISOString(),
      finishedAt: null,
      counts: { seen: 0, imported: 0, notImported: 0, retrying: 0, skipped: 0 },
      error: null,
      mails: [],
    };
    try {
      await this.deps.runs.save(run);
    } catch (e) {
      const full = storageError(e, this.deps.dataDir);
      if (!full) throw e;
      // No run can be recorded, but the mailbox says why nothing is imported (in memory at least).
      void this.deps.mailboxes
        .patchState(mailboxId, (m) => ({
          ...m,
          state: { ...m.state, status: 'error', error: full.toInfo() },
        }))
        .catch(() => {});
      throw full;
    }
    const done = this.execute(run, lock).finally(async () => {
      this.running.delete(mailboxId);
      await lock.release();
    });
    this.running.set(mailboxId, { run, done });
    return { run: structuredClone(run), done };
  }

  private async execute(run: ImportRun, lock: HeldLock): Promise<ImportRun> {
    const release = await this.semaphore.acquire();
    const { id: runId, mailboxId, trigger } = run;
    this.deps.log.info({ event: 'run.start', mailboxId, runId, trigger });
    let backlog = 0;
    let error: ErrorInfo | null = null;
    let retryable = false;
    let stopped = false;
    let waiting = 0;
    try {
      const mailbox = await this.deps.mailboxes.find(run.mailboxId);
      if (!mailbox) throw new RelayError('not_found', 'The mailbox was deleted.');
      const ledger = await this.deps.ledger.open(mailbox.id, { now: this.now() });
      const session = await this.deps.driver
        .open(await this.deps.credentials.targetFor(mailbox))
        .catch(async (e: unknown) => {
          await ledger.close();
          throw e;
        });
      try {
        const result = await runPipeline({
          ...this.deps.limits,
          runId: run.id,
          mailbox,
          session,
          ledger,
          target: this.deps.target,
          stagingRoot: this.deps.stagingRoot,
          now: this.now,
          // A lock whose connection broke may be another relay's by now: take no further mail.
          shouldStop: () => this.stopping || lock.lost,
          failpoint: (at) => {
            if (this.deps.failpoint === at) process.kill(process.pid, 'SIGKILL');
          },
          report: (m) => countMail(run, m),
        });
        run.counts.skipped = result.skipped;
        stopped = result.stopped;
        waiting = result.waiting;
        backlog = result.backlog;
      } finally {
        await ledger.close();
        await session.close();
      }
    } catch (caught) {
      const e = storageError(caught, this.deps.dataDir) ?? caught;
      // Bugs surface in the log; an `internal` RelayError wraps one. Other kinds are the run's result.
      if (!isRelayError(e)) this.deps.log.error({ err: e, event: 'run.bug', runId: run.id });
      else if (e.kind === 'internal')
        this.deps.log.error({ err: e.cause ?? e, event: 'run.bug', runId: run.id });
      error = isRelayError(e)
        ? e.toInfo()
        : { kind: 'internal', message: 'The import failed unexpectedly; see the relay log.' };
      // A full disk is not cured by waiting: the mailbox is `error` at once (issue 8).
      retryable = isRelayError(e) && e.retryable && e.kind !== 'storage';
    } finally {
      release();
    }
    const finishedAt = this.now().toISOString();
    // A full disk must not turn a finished run into an unhandled rejection: what cannot be written
    // is logged; the state is still in memory, and the ledger already has the run's work.
    const keep = (e: unknown) =>
      this.deps.log.error({
        err: storageError(e, this.deps.dataDir) ?? e,
        event: 'run.unsaved',
        runId: run.id,
      });
    // The mailbox's state first: whoever sees the run finished also sees its effect on the mailbox.
    await this.deps.mailboxes
      .patchState(run.mailboxId, (m) => ({
        ...m,
        state: stateAfterRun(m.state, {
          error,
          retryable,
          finishedAt,
          runId: run.id,
          waiting: {
            mails: waiting,
            detail: run.mails.find((x) => x.outcome === 'retrying')?.detail ?? null,
          },
        }),
      }))
      .catch(keep);
    run.status = error ? 'failed' : stopped ? 'interrupted' : 'completed';
    run.error = error;
    run.finishedAt = finishedAt;
    try {
      await this.deps.runs.save(run);
    } catch (e) {
      keep(e);
    }
    const ms = Date.parse(finishedAt) - Date.parse(run.startedAt);
    const line = {
      event: 'run.end',
      mailboxId,
      runId,
      trigger,
      status: run.status,
      counts: run.counts,
      ms,
      errorKind: error?.kind ?? null,
      ...(error && { error: error.message }),
    };
    if (run.status === 'failed') this.deps.log.warn(line);
    else this.deps.log.info(line);
    this.deps.metrics?.observeRun(run, backlog);
    return run;
  }

  /** SIGTERM: no new mails are taken; the current batch is recorded and moved; waits at most `ms`. */
  async stop(ms = 25_000): Promise<boolean> {
    this.stopping = true;
    const all = Promise.allSettled([...this.running.values()].map((r) => r.done)).then(() => true);
    return Promise.race([all, new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  }
}
