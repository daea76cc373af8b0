/**
 * Issue 9: an operator can see what the relay does. A real Dovecot, a delivery target that goes down
 * and comes back, a webhook and an SMTP server on loopback; the relay's real logger read back as
 * JSON; /metrics read by a Prometheus text parser.
 */
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMail, pdfBytes } from '../../fixtures/corpus.js';
import {
  type SmtpReceiver,
  startSmtpReceiver,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../helpers/alert-receivers.js';
import { type HttpReceiver, startHttpReceiver } from '../../helpers/http-receiver.js';
import { type ImportEnv, startImportEnv } from '../../helpers/import-env.js';
import { captureLog, type LogCapture } from '../../helpers/log-capture.js';

let env: ImportEnv;
let target: HttpReceiver;
let hook: WebhookReceiver;
let smtp: SmtpReceiver;
let logs: LogCapture;
const secretEnds = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  target = await startHttpReceiver();
  hook = await startWebhookReceiver();
  smtp = await startSmtpReceiver();
  logs = captureLog('info');
  env = await startImportEnv({
    log: logs.log,
    env: {
      RELAY_DELIVERY_URL: target.url,
      RELAY_ALERT_URL: hook.url,
      RELAY_ALERT_TOKEN: 'planted-alert-token',
      RELAY_SMTP_URL: smtp.url,
      RELAY_ALERT_EMAIL: 'ops@example.test',
      RELAY_ALERT_RETRYING_MINUTES: '0',
      RELAY_ALERT_EXPIRY_DAYS: '14',
      RELAY_MS_CLIENT_ID: 'ms-client',
      RELAY_MS_CLIENT_SECRET: 'planted-ms-secret',
      RELAY_MS_CLIENT_SECRET_EXPIRES: secretEnds,
    },
  });
});
afterAll(async () => {
  await env?.close();
  await Promise.all([target?.close(), hook?.close(), smtp?.close()]);
});

const invoice = (n: number) =>
  buildMail({
    subject: `Invoice ${n}`,
    messageId: `<ops-${n}@test>`,
    attachments: [
      { filename: `r${n}.pdf`, content: pdfBytes(3000, `ops-${n}`), contentType: 'application/pdf' },
    ],
  });

const settle = () => env.t.relay.alerts.settled();
const hookEvents = (kind: string) => hook.calls.filter((c) => c.body.alert.kind === kind);

async function metrics(token: string) {
  const res = await env.t.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const families: PromFamily[] = res.status === 200 ? parsePrometheusTextFormat(text) : [];
  return { status: res.status, families, text };
}
const sum = (families: PromFamily[], name: string, labels: Record<string, string> = {}) =>
  (families.find((f) => f.name === name)?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((n, m) => n + Number(m.value), 0);

describe('a delivery target that goes down and comes back', () => {
  let id: string;
  const runs: { counts: Record<string, number> }[] = [];

  it('the relay warns about the Office 365 client secret expiring within the window, once', async () => {
    await settle();
    await env.t.relay.alerts.evaluateAll();
    await settle();
    const secret = hookEvents('client_secret_expiring');
    expect(secret).toHaveLength(1);
    expect(secret[0]!.body).toMatchObject({
      event: 'raised',
      alert: { due: secretEnds, action: 'renew_client_secret' },
    });
    expect(secret[0]!.authorization).toBe('Bearer planted-alert-token');
  });

  it('mails waiting for the target make the mailbox "retrying", logged, and alert once by webhook and e-mail', async () => {
    id = await env.mailbox({ source: 'Ops', imported: 'Ops-Imported', notImported: 'Ops-Not' });
    await env.dovecot.appendMessages('alice', 'Ops', [await invoice(1), await invoice(2)]);
    target.answer(503, 503, 503, 503);
    for (let i = 0; i < 2; i++) runs.push(await env.run(id));
    await settle();
    const m = await env.t.relay.mailboxes.find(id);
    expect(m?.state).toMatchObject({
      status: 'retrying',
      retrying: { mails: 2 },
      error: { kind: 'delivery' },
    });
    expect(m?.state.error?.message).toContain('503');

    const [start] = logs.events('run.start');
    expect(start).toMatchObject({
      level: 30,
      mailboxId: id,
      trigger: 'manual',
      service: 'mailbox-connect-relay',
    });
    expect(typeof start!.runId).toBe('string');
    const end = logs.events('run.end')[0]!;
    expect(end).toMatchObject({
      mailboxId: id,
      runId: start!.runId,
      status: 'completed',
      counts: { seen: 2, imported: 0, retrying: 2 },
      errorKind: null,
    });
    expect(typeof end.ms).toBe('number');
    expect(typeof end.time).toBe('string');
    expect(logs.events('mailbox.state')).toEqual([
      expect.objectContaining({
        mailboxId: id,
        from: 'ok',
        to: 'retrying',
        errorKind: 'delivery',
        paused: false,
      }),
    ]);

    const retrying = hookEvents('mails_retrying');
    expect(retrying.map((c) => c.body.event)).toEqual(['raised']);
    expect(retrying[0]!.body.alert).toMatchObject({
      mailboxId: id,
      mailbox: 'Invoices',
      action: 'check_delivery',
      status: 'open',
    });
    expect(logs.events('alert.raised').map((l) => l.kind)).toContain('mails_retrying');
    const mail = smtp.mails.find((x) => x.subject.includes('Invoices'));
    expect(mail).toMatchObject({ to: 'ops@example.test' });
    expect(mail!.text).toContain('waited for a retry');
    expect(mail!.text).toContain('What to do: Check that Onventis');
  });

  it('when the target is back, the mails are imported, the mailbox is ok, and the alert is resolved once', async () => {
    runs.push(await env.run(id));
    await settle();
    expect((await env.t.relay.mailboxes.find(id))?.state).toMatchObject({
      status: 'ok',
      retrying: null,
      error: null,
    });
    expect(hookEvents('mails_retrying').map((c) => c.body.event)).toEqual(['raised', 'resolved']);
    expect(smtp.mails.filter((x) => x.subject.startsWith('[Mailbox Connect] Resolved'))).toHaveLength(1);
    const alerts = await env.t.call(env.t.tokens.clerk, 'GET', '/api/alerts');
    expect(alerts.status).toBe(200);
    // The clerk sees the mailbox's alert (resolved now), not the relay's own.
    expect(alerts.body.alerts.map((a: { kind: string; status: string }) => [a.kind, a.status])).toEqual([
      ['mails_retrying', 'resolved'],
    ]);
    const admin = await env.t.call(env.t.tokens.admin, 'GET', '/api/alerts');
    expect(admin.body.alerts.map((a: { kind: string }) => a.kind).sort()).toEqual([
      'client_secret_expiring',
      'mails_retrying',
    ]);
  });

  it("/metrics: mails by outcome equal the runs' counts; only admin and metrics tokens may read it", async () => {
    const { status, families, text } = await metrics(env.t.tokens.admin);
    expect(status).toBe(200);
    expect(text).not.toContain(id);
    const total = (k: string) => runs.reduce((n, r) => n + (r.counts[k] ?? 0), 0);
    expect(sum(families, 'mailbox_connect_mails_total', { outcome: 'imported' })).toBe(total('imported'));
    expect(sum(families, 'mailbox_connect_mails_total', { outcome: 'retrying' })).toBe(total('retrying'));
    expect(sum(families, 'mailbox_connect_runs_total', { trigger: 'manual', result: 'completed' })).toBe(3);
    const durations = families.find((f) => f.name === 'mailbox_connect_run_duration_seconds');
    expect(durations?.type).toBe('HISTOGRAM');
    // This parser keeps a histogram's buckets only: the +Inf bucket counts every run.
    expect(Number(durations?.metrics[0]?.buckets?.['+Inf'])).toBe(3);
    expect(sum(families, 'mailbox_connect_mailboxes', { state: 'ok' })).toBe(1);
    expect(sum(families, 'mailbox_connect_mails_retrying')).toBe(0);
    expect(sum(families, 'mailbox_connect_alerts_open', { kind: 'client_secret_expiring' })).toBe(1);
    expect(sum(families, 'mailbox_connect_ms_client_secret_expiry_timestamp_seconds')).toBe(
      Date.parse(secretEnds) / 1000,
    );
    expect(families.some((f: { name: string }) => f.name === 'process_resident_memory_bytes')).toBe(true);

    const monitor = (await env.t.relay.tokens.create('prometheus', ['metrics'])).token;
    expect((await metrics(monitor)).status).toBe(200);
    expect((await metrics(env.t.tokens.clerk)).status).toBe(403);
    expect((await env.t.app.request('/metrics')).status).toBe(401);
  });

  it('/api/health/details tells store, scheduler, runs and alerts to admins only', async () => {
    const res = await env.t.call(env.t.tokens.admin, 'GET', '/api/health/details');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      store: { kind: 'lowdb', dataDir: env.t.dataDir },
      delivery: 'http',
      scheduler: { scheduled: 0, paused: 0 },
      running: [],
      oldestOverdue: null,
      openAlerts: 1,
    });
    expect((await env.t.call(env.t.tokens.clerk, 'GET', '/api/health/details')).status).toBe(403);
    expect((await env.t.call(null, 'GET', '/api/health')).body).toEqual({
      status: 'ok',
      version: expect.any(String),
    });
  });

  it('logs a line per request with the route pattern, status, time, request id and user, never the token', async () => {
    const res = await env.t.app.request(`/api/mailboxes/${id}`, {
      headers: { authorization: `Bearer ${env.t.tokens.clerk}`, 'x-request-id': 'trace-abc-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const line = logs.events('http.request').find((l) => l.reqId === 'trace-abc-123');
    expect(line).toMatchObject({
      level: 30,
      method: 'GET',
      route: '/api/mailboxes/:id',
      status: 200,
      user: 'carol',
    });
    expect(typeof line!.ms).toBe('number');
    await env.t.call(null, 'GET', '/api/mailboxes');
    expect(logs.events('http.request').at(-1)).toMatchObject({
      route: '/api/mailboxes',
      status: 401,
      user: null,
    });
    for (const token of Object.values(env.t.tokens)) expect(logs.text()).not.toContain(token);
  });
});

describe('a mailbox whose server cannot be reached', () => {
  it('is "retrying" after one failed run and "error" after the second, alerting once', async () => {
    const id = await env.mailbox({ source: 'Gone', imported: 'Gone-Imported', notImported: 'Gone-Not' });
    await env.t.relay.mailboxes.update({ user: 'admin', roles: ['admin'], tokenId: 't' }, id, {
      imap: { host: '127.0.0.1', port: 1, security: 'tls' },
    });
    await env.run(id);
    await settle();
    expect((await env.t.relay.mailboxes.find(id))?.state).toMatchObject({
      status: 'retrying',
      failedRuns: 1,
      error: { kind: 'network' },
    });
    await env.run(id);
    await env.run(id);
    await settle();
    expect((await env.t.relay.mailboxes.find(id))?.state).toMatchObject({ status: 'error', failedRuns: 3 });
    const stateAlerts = hookEvents('mailbox_state').filter((c) => c.body.alert.mailboxId === id);
    expect(stateAlerts.map((c) => c.body.event)).toEqual(['raised']);
    expect(stateAlerts[0]!.body.alert).toMatchObject({ severity: 'critical', action: 'check_settings' });
    const failed = logs.events('run.end').filter((l) => l.mailboxId === id);
    expect(failed.every((l) => l.level === 40 && l.status === 'failed' && l.errorKind === 'network')).toBe(
      true,
    );
  });
});

describe('alert delivery', () => {
  it('retries a webhook that fails, without holding up the import', async () => {
    hook.fail(500, 503);
    const before = hook.calls.length;
    const id = await env.mailbox({ source: 'Hook', imported: 'Hook-Imported', notImported: 'Hook-Not' });
    await env.t.relay.mailboxes.update({ user: 'admin', roles: ['admin'], tokenId: 't' }, id, {
      folders: { imported: 'Hook-Missing' },
    });
    const started = performance.now();
    const run = await env.run(id);
    expect(run.error?.kind).toBe('folder_missing');
    expect(performance.now() - started).toBeLessThan(2000);
    await settle();
    expect(
      hook.calls.slice(before).map((c) => [c.body.event, c.body.alert.kind, c.body.alert.action]),
    ).toEqual([['raised', 'mailbox_state', 'check_folder']]);
    expect(logs.events('alert.retry').map((l) => l.via)).toEqual(['webhook', 'webhook']);
  });
});
