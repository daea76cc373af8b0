/**
 * Issue 9 / DESIGN §6: never a secret in the log. Secrets are planted everywhere a relay handles
 * them (an IMAP password with spaces, API tokens, the Microsoft client secret, the OAuth access and
 * refresh tokens the identity provider hands out, the delivery target's token and an answer that
 * echoes it), then every route is called, a connection is checked with a wrong password, an import
 * runs against a failing target, and an Office 365 mailbox is connected and imported. The log, at
 * debug level, must contain none of them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createImapDriver } from '../../../relay/mail/imap/driver.js';
import { parseAllowList } from '../../../relay/mail/net-guard.js';
import { buildMail, pdfBytes } from '../../fixtures/corpus.js';
import { type Dovecot, startDovecot } from '../../helpers/dovecot.js';
import { type HttpReceiver, startHttpReceiver } from '../../helpers/http-receiver.js';
import { captureLog, type LogCapture } from '../../helpers/log-capture.js';
import { type Oidc, startOidc } from '../../helpers/oidc.js';
import { EXT, signIn } from '../../helpers/oauth-sign-in.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';

const IMAP_PASSWORD = 'planted Pass word 4711 with spaces';
const CLIENT_SECRET = 'planted-ms-client-secret-0815';
const TARGET_TOKEN = 'planted-target-token-2342';
const issued: string[] = [];

let oidc: Oidc;
let dovecot: Dovecot;
let target: HttpReceiver;
let t: TestRelay;
let logs: LogCapture;

beforeAll(async () => {
  oidc = await startOidc({
    user: { email: 'alice@example.test', preferred_username: 'alice@example.test', tid: 't1' },
  });
  oidc.service.on('beforeResponse', (res: { body: Record<string, unknown>; statusCode: number }) => {
    for (const k of ['access_token', 'refresh_token', 'id_token'])
      if (typeof res.body[k] === 'string') issued.push(res.body[k] as string);
  });
  dovecot = await startDovecot({
    users: [
      { name: 'alice@example.test', password: 'unused-pass' },
      { name: 'bob', password: IMAP_PASSWORD },
    ],
    oauth2: { introspectionUrl: oidc.introspectUrl, caCertPath: oidc.caCertPath },
  });
  for (const f of ['Imported', 'NotImported']) {
    await dovecot.createFolder('bob', f);
    await dovecot.createFolder('alice@example.test', f);
  }
  target = await startHttpReceiver();
  logs = captureLog('debug');
  t = await startTestRelay({
    log: logs.log,
    driver: createImapDriver({ allow: parseAllowList(['127.0.0.1']), tls: { ca: dovecot.caCertPem } }),
    env: {
      RELAY_ALLOW_HOSTS: '127.0.0.1',
      RELAY_DELIVERY_URL: target.url,
      RELAY_DELIVERY_TOKEN: TARGET_TOKEN,
      RELAY_MS_CLIENT_ID: 'mc-ms-client',
      RELAY_MS_CLIENT_SECRET: CLIENT_SECRET,
      RELAY_MS_AUTHORITY: oidc.issuer,
    },
  });
});
afterAll(async () => {
  await t?.close();
  await dovecot?.stop();
  await oidc?.stop();
  await target?.close();
});

const invoice = (n: number) =>
  buildMail({
    messageId: `<secret-${n}@test>`,
    attachments: [
      { filename: `r${n}.pdf`, content: pdfBytes(2000, `s-${n}`), contentType: 'application/pdf' },
    ],
  });

it('plants secrets through every route, a check, a failing import and an OAuth connect, and logs none', async () => {
  const admin = t.tokens.admin;
  const imap = { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' };
  const body = {
    description: 'Secrets',
    company: 'Acme GmbH',
    access: { role: 'ap-clerk' },
    imap,
    username: 'bob',
    password: IMAP_PASSWORD,
    folders: { source: 'INBOX', imported: 'Imported', notImported: 'NotImported' },
  };
  const created = await t.call(admin, 'POST', '/api/mailboxes', body);
  expect(created.status, created.text).toBe(201);
  const id = created.body.id as string;
  const calls: [string, string, unknown?][] = [
    ['GET', '/api/me'],
    ['GET', '/api/mailboxes'],
    ['GET', `/api/mailboxes/${id}`],
    ['PATCH', `/api/mailboxes/${id}`, { password: IMAP_PASSWORD, description: 'Secrets 2' }],
    ['POST', '/api/connection-check', { imap, username: 'bob', password: `${IMAP_PASSWORD}x` }],
    ['POST', '/api/connection-check', { imap, username: 'bob', password: IMAP_PASSWORD }],
    ['POST', `/api/mailboxes/${id}/check`, { password: `wrong ${IMAP_PASSWORD}` }],
    ['POST', `/api/mailboxes/${id}/check`, {}],
    ['GET', `/api/mailboxes/${id}/runs`],
    ['GET', '/api/alerts'],
    ['GET', '/api/health/details'],
    ['GET', '/api/openapi.json'],
    ['GET', '/api/consent/microsoft'],
    ['POST', '/api/consent/microsoft/start', { redirectUri: `${EXT}/consent` }],
    ['POST', '/api/mailboxes', { ...body, password: IMAP_PASSWORD, port: 'not a number' }],
    ['PUT', `/api/mailboxes/${id}`, body],
    ['GET', '/metrics'],
  ];
  for (const [method, path, payload] of calls) await t.call(admin, method, path, payload);
  await t.call(`${t.tokens.alice}x`, 'GET', '/api/me');

  // An import whose target fails and echoes what it got (the relay blanks its own token in answers).
  await dovecot.appendMessages('bob', 'INBOX', [await invoice(1)]);
  target.answer(500, 422);
  await (
    await t.relay.imports.start(id, 'manual')
  ).done;
  await (
    await t.relay.imports.start(id, 'manual')
  ).done;

  // Office 365: sign in, point the mailbox at Dovecot (XOAUTH2), import, which refreshes the token.
  const done = await signIn(t, 'microsoft');
  expect(done.status, done.text).toBe(201);
  const ms = done.body.id as string;
  await t.call(admin, 'PATCH', `/api/mailboxes/${ms}`, {
    company: 'Acme GmbH',
    imap,
    folders: { source: 'INBOX', imported: 'Imported', notImported: 'NotImported' },
  });
  await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${ms}/check`, {});
  await (
    await t.relay.imports.start(ms, 'manual')
  ).done;
  await t.call(admin, 'DELETE', `/api/mailboxes/${ms}`);
  await t.relay.alerts.settled();

  const text = logs.text();
  expect(logs.events('http.request').length).toBeGreaterThanOrEqual(calls.length);
  expect(logs.events('run.end').length).toBe(3);
  expect(issued.length).toBeGreaterThan(2);
  const planted = [
    IMAP_PASSWORD,
    `${IMAP_PASSWORD}x`,
    CLIENT_SECRET,
    TARGET_TOKEN,
    ...Object.values(t.tokens),
    ...issued,
  ];
  for (const secret of planted)
    expect(text.includes(secret), `a secret is in the log: ${secret.slice(0, 12)}…`).toBe(false);
  // Parts of a secret give it away too (a password logged split at its spaces).
  expect(text).not.toContain('4711 with spaces');
});
