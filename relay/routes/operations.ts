/** DESIGN §6: what an operator reads: Prometheus metrics, health with details, alerts. */
import { Hono } from 'hono';
import type { AlertService } from '../alerts/alert-service.js';
import { RelayError } from '../errors.js';
import type { ImportService } from '../import/import-service.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import { ROLE_ADMIN } from '../../shared/me.js';
import { RELAY_CALLER } from '../mailboxes/access.js';
import type { MailboxService } from '../mailboxes/service.js';
import type { Caller, StoreInfo } from '../store/repository.js';
import type { AppEnv } from './env.js';

export interface OperationsDeps {
  version: string;
  mailboxes: MailboxService;
  imports: ImportService;
  alerts: AlertService;
  metrics: RelayMetrics;
  /** What the details say about where things are kept and sent. */
  store: StoreInfo;
  delivery: 'outbox' | 'http';
}

/** Metrics and health details tell about every mailbox: admins and monitoring tokens only. */
function requireOperator(caller: Caller) {
  if (!caller.roles.includes(ROLE_ADMIN) && !caller.roles.includes('metrics'))
    throw new RelayError('forbidden', 'Only tokens with the role "admin" or "metrics" may read this.');
}

const started = Date.now();
/** A scheduled run this late is overdue: the relay is stuck or overloaded. */
const OVERDUE_MS = 60_000;

/** GET /metrics: the Prometheus text exposition format (prom-client). */
export const metricsRoutes = (deps: OperationsDeps) =>
  new Hono<AppEnv>().get('/', async (c) => {
    requireOperator(c.get('caller'));
    return c.body(await deps.metrics.text(), 200, { 'content-type': deps.metrics.contentType });
  });

/** GET /api/health/details: store, scheduler, running runs, the oldest overdue mailbox, open alerts. */
export const healthDetailsRoutes = (deps: OperationsDeps) =>
  new Hono<AppEnv>().get('/', async (c) => {
    requireOperator(c.get('caller'));
    // The relay's own view: a metrics token sees no mailbox through access rules, the numbers are all.
    const all = await deps.mailboxes.list(RELAY_CALLER);
    const now = Date.now();
    const overdue = all
      .filter(
        (m) =>
          m.autoProcessing &&
          !m.state.paused &&
          m.state.nextRun &&
          Date.parse(m.state.nextRun) < now - OVERDUE_MS,
      )
      .sort((a, b) => (a.state.nextRun ?? '').localeCompare(b.state.nextRun ?? ''))[0];
    return c.json(
      {
        status: 'ok' as const,
        version: deps.version,
        uptimeSeconds: Math.round((now - started) / 1000),
        store: deps.store,
        delivery: deps.delivery,
        scheduler: {
          scheduled: all.filter((m) => m.autoProcessing && !m.state.paused).length,
          paused: all.filter((m) => m.state.paused).length,
        },
        running: deps.imports.runningNow(),
        oldestOverdue: overdue ? { mailboxId: overdue.id, nextRun: overdue.state.nextRun } : null,
        openAlerts: await deps.alerts.openCount(),
      },
      200,
    );
  });

/** GET /api/alerts: open and recent alerts the caller may see (its mailboxes; the relay's own for admins). */
export const alertRoutes = (deps: OperationsDeps) =>
  new Hono<AppEnv>().get('/', async (c) => c.json({ alerts: await deps.alerts.list(c.get('caller')) }, 200));
