/**
 * The relay's Prometheus metrics (DESIGN §6), prom-client with a registry per relay. Labels stay
 * bounded: trigger, result, outcome, reason, state, provider, route pattern; never a mailbox id on
 * a series that grows with mail. Gauges of stored state are read when Prometheus scrapes.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ImportRun } from '../../shared/run.js';
import { MailboxStatus } from '../../shared/mailbox.js';
import type { StoredMailbox } from '../store/records.js';

export interface MetricSources {
  mailboxes(): Promise<StoredMailbox[]>;
  openAlerts(): Promise<{ kind: string }[]>;
  /** RELAY_MS_CLIENT_SECRET_EXPIRES, if set. */
  clientSecretExpires?: string | undefined;
}

const P = 'mailbox_connect_';

export class RelayMetrics {
  readonly registry = new Registry();
  private readonly backlog = new Map<string, number>();
  private readonly runs = new Counter({
    name: `${P}runs_total`,
    help: 'Import runs that ended, by trigger and result (completed, failed, interrupted).',
    labelNames: ['trigger', 'result'] as const,
    registers: [this.registry],
  });
  private readonly runSeconds = new Histogram({
    name: `${P}run_duration_seconds`,
    help: 'How long import runs took.',
    labelNames: ['trigger'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  private readonly mails = new Counter({
    name: `${P}mails_total`,
    help: 'Mails decided by import runs, by outcome and reason (reason "" when none).',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: `${P}http_requests_total`,
    help: 'API requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry });
    const backlog = this.backlog;
    new Gauge({
      name: `${P}mailboxes`,
      help: 'Mailboxes by state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const all = await sources.mailboxes();
        for (const state of MailboxStatus.options)
          this.set({ state }, all.filter((m) => m.state.status === state).length);
      },
    });
    new Gauge({
      name: `${P}mails_retrying`,
      help: 'Mails waiting in their source folders for a retry of their delivery.',
      registers: [this.registry],
      async collect() {
        this.set((await sources.mailboxes()).reduce((n, m) => n + (m.state.retrying?.mails ?? 0), 0));
      },
    });
    new Gauge({
      name: `${P}backlog_mails`,
      help: 'Mails the last runs left in their source folders for later runs (over RELAY_MAX_MESSAGES).',
      registers: [this.registry],
      collect() {
        this.set([...backlog.values()].reduce((a, b) => a + b, 0));
      },
    });
    new Gauge({
      name: `${P}alerts_open`,
      help: 'Open alerts by kind.',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const a of await sources.openAlerts()) this.inc({ kind: a.kind });
      },
    });
    new Gauge({
      name: `${P}signin_expiry_timestamp_seconds`,
      help: 'The earliest end of an OAuth sign-in (refresh token) per provider, as a Unix time.',
      labelNames: ['provider'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const earliest = new Map<string, number>();
        for (const m of await sources.mailboxes()) {
          const at = m.account?.refreshExpiresAt ? Date.parse(m.account.refreshExpiresAt) / 1000 : NaN;
          if (m.provider !== 'imap' && Number.isFinite(at))
            earliest.set(m.provider, Math.min(earliest.get(m.provider) ?? Infinity, at));
        }
        for (const [provider, at] of earliest) this.set({ provider }, at);
      },
    });
    if (sources.clientSecretExpires) {
      const at = Date.parse(sources.clientSecretExpires) / 1000;
      new Gauge({
        name: `${P}ms_client_secret_expiry_timestamp_seconds`,
        help: 'When the Office 365 app client secret expires (RELAY_MS_CLIENT_SECRET_EXPIRES), as a Unix time.',
        registers: [this.registry],
      }).set(at);
    }
  }

  /** A finished run: its result, duration and every mail's outcome. */
  observeRun(run: ImportRun, backlog: number): void {
    this.runs.inc({ trigger: run.trigger, result: run.status });
    const ms = Date.parse(run.finishedAt ?? run.startedAt) - Date.parse(run.startedAt);
    this.runSeconds.observe({ trigger: run.trigger }, Math.max(0, ms) / 1000);
    // As the run's counts do: a mail moved now for an earlier decision counts as that decision.
    for (const m of run.mails) {
      const outcome = m.outcome === 'moved' ? (m.reason === null ? 'imported' : 'not_imported') : m.outcome;
      this.mails.inc({ outcome, reason: m.reason ?? '' });
    }
    this.backlog.set(run.mailboxId, backlog);
  }

  forgetMailbox(id: string): void {
    this.backlog.delete(id);
  }

  observeRequest(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
