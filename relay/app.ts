import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ApiErrorBody } from '../shared/errors.js';
import { randomUUID } from 'node:crypto';
import { routePath } from 'hono/route';
import type { AlertService } from './alerts/alert-service.js';
import { isRelayError } from './errors.js';
import type { Logger } from './log/logger.js';
import type { RelayMetrics } from './metrics/metrics.js';
import { alertRoutes, healthDetailsRoutes, metricsRoutes } from './routes/operations.js';
import type { MailboxDriver } from './mail/driver.js';
import type { ImportService } from './import/import-service.js';
import type { CredentialResolver } from './mailboxes/credentials.js';
import type { MailboxService } from './mailboxes/service.js';
import type { ConnectFlow } from './oauth/connect-flow.js';
import type { ConsentFlow } from './oauth/consent-flow.js';
import { requireToken } from './routes/auth.js';
import { rateLimit } from './routes/rate-limit.js';
import { connectionCheckRoutes } from './routes/connection-check.js';
import type { AppEnv } from './routes/env.js';
import { healthRoutes } from './routes/health.js';
import { STATUS_OF } from './routes/http-status.js';
import { mailboxRoutes } from './routes/mailboxes.js';
import { meRoutes } from './routes/me.js';
import { consentRoutes, oauthRoutes } from './routes/oauth.js';
import { openApiRoutes } from './routes/openapi.js';
import { mailboxRunRoutes, runRoutes } from './routes/runs.js';
import type { RunRepository, StoreInfo, TokenRepository } from './store/repository.js';

export interface AppDeps {
  version: string;
  /** Connection checks per API token and minute (RELAY_CHECKS_PER_MINUTE). */
  checksPerMinute?: number;
  tokens: TokenRepository;
  mailboxes: MailboxService;
  credentials: CredentialResolver;
  connect: ConnectFlow;
  consent: ConsentFlow;
  driver: MailboxDriver;
  imports: ImportService;
  runs: RunRepository;
  alerts: AlertService;
  metrics: RelayMetrics;
  /** A line per request; unexpected errors. Never given request bodies or headers, so never a secret. */
  log: Logger;
  storeInfo?: StoreInfo;
  delivery?: 'outbox' | 'http';
}

/** An X-Request-Id a client sent is kept when it is a plain token, so logs can be joined. */
const REQUEST_ID = /^[\w.-]{8,100}$/;

/** The relay's HTTP API (DESIGN §2), without a socket: tests call `app.request()`. */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  // DESIGN §6: one log line per request (method, route pattern, status, ms, reqId, user).
  app.use('*', async (c, next) => {
    const t0 = performance.now();
    const sent = c.req.header('x-request-id');
    const reqId = sent && REQUEST_ID.test(sent) ? sent : randomUUID();
    await next();
    c.header('X-Request-Id', reqId);
    // A path no route has ends at a catch-all ('*', '/api/*'): one label for all of those.
    const matched = routePath(c, -1);
    const route = c.res.status === 404 && matched.endsWith('*') ? '(unmatched)' : matched;
    deps.metrics.observeRequest(c.req.method, route, c.res.status);
    deps.log.info({
      event: 'http.request',
      reqId,
      method: c.req.method,
      route,
      status: c.res.status,
      ms: Math.round(performance.now() - t0),
      user: c.get('caller')?.user ?? null,
    });
  });
  // Every request body is a small JSON document; 1 MB is generous and bounds what a client can make us parse.
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: (c) =>
        c.json<ApiErrorBody>(
          { error: { kind: 'validation', message: 'The request body is larger than 1 MB.' } },
          413,
        ),
    }),
  );
  const auth = requireToken(deps.tokens);
  app.use('/api/*', async (c, next) => (c.req.path === '/api/health' ? next() : auth(c, next)));
  app.use('/metrics', auth);
  const ops = {
    ...deps,
    store: deps.storeInfo ?? { kind: 'lowdb' as const, dataDir: '' },
    delivery: deps.delivery ?? ('outbox' as const),
  };

  const checks = rateLimit(deps.checksPerMinute ?? 30);
  app.use('/api/connection-check', checks);
  app.use('/api/mailboxes/:id/check', checks);

  const routes = app
    .route('/api/health', healthRoutes(deps.version))
    .route('/api/health/details', healthDetailsRoutes(ops))
    .route('/api/alerts', alertRoutes(ops))
    .route('/metrics', metricsRoutes(ops))
    .route('/api/me', meRoutes())
    .route('/api/mailboxes', mailboxRoutes(deps))
    .route('/api/mailboxes', mailboxRunRoutes(deps))
    .route('/api/runs', runRoutes(deps))
    .route('/api/oauth', oauthRoutes(deps))
    .route('/api/consent/microsoft', consentRoutes(deps))
    .route('/api/connection-check', connectionCheckRoutes(deps))
    .route('/api/openapi.json', openApiRoutes(deps.version));

  app.notFound((c) =>
    c.json<ApiErrorBody>(
      { error: { kind: 'not_found', message: `No route ${c.req.method} ${c.req.path}.` } },
      404,
    ),
  );
  app.onError((err, c) => {
    if (isRelayError(err)) return c.json<ApiErrorBody>({ error: err.toInfo() }, STATUS_OF[err.kind]);
    if (err instanceof HTTPException && err.status < 500)
      return c.json<ApiErrorBody>(
        { error: { kind: 'validation', message: err.message || 'The request is invalid.' } },
        400,
      );
    deps.log.error({ err, event: 'http.bug', method: c.req.method, path: c.req.path });
    return c.json<ApiErrorBody>(
      { error: { kind: 'internal', message: 'The relay failed unexpectedly; see its log.' } },
      500,
    );
  });
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
