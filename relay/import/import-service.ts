import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ErrorInfo } from '../../shared/errors.js';
import type { ImportRun, RunTrigger } from '../../shared/run.js';
import { isRelayError, RelayError } from '../errors.js';
import type { MailboxDriver } from '../mail/driver.js';
import type { CredentialResolver } from '../mailboxes/credentials.js';
import type { MailboxService } from '../mailboxes/service.js';
import type { DeliveryTarget } from './delivery/target.js';
import { Ledger } from './ledger.js';
import type { Failpoint } from './failpoints.js';
import { runPipeline } from './pipeline.js';
import type { RunStore } from './run-store.js';
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
  runs: RunStore;
  target: DeliveryTarget;
  dataDir: string;
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

const newRunId = (now: Date) =>
  `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;

/** Starts import runs: one per mailbox at a time, a global limit across mailboxes. */
export class ImportService {
  private readonly running = new Map<string, { run: ImportRun; done: Promise<ImportRun> }>();
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

  /** The run as it is now: live while running, from history afterwards. */
  get(runId: string): ImportRun | undefined {
    for (const { run } of this.running.values()) if (run.id === runId) return structuredClone(run);
    return this.deps.runs.get(runId);
  }

  /** Starts a run and returns it at once; `done` settles when it ends. 409 while one is going. */
  start(mailboxId: string, trigger: RunTrigger): { run: ImportRun; done: Promise<ImportRun> } {
    if (this.stopping) throw new RelayError('conflict', 'The relay is shutting down.');
    if (this.running.has(mailboxId))
      throw new RelayError('conflict', 'An import of this mailbox is already running.');
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
      this.deps.runs.save(run);
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
    const done = this.execute(run).finally(() => this.running.delete(mailboxId));
    this.running.set(mailboxId, { run, done });
    return { run: structuredClone(run), done };
  }

  private async execute(run: ImportRun): Promise<ImportRun> {
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
      const ledger = Ledger.open(join(this.deps.dataDir, 'ledger'), mailbox.id);
      const session = await this.deps.driver
        .open(await this.deps.credentials.targetFor(mailbox))
        .catch((e: unknown) => {
          ledger.close();
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
          stagingRoot: join(this.deps.dataDir, 'staging'),
          now: this.now,
          shouldStop: () => this.stopping,
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
        ledger.close();
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
      this.deps.runs.save(run);
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
