import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImapDriver } from '../../../relay/mail/imap/driver.js';
import { parseAllowList } from '../../../relay/mail/net-guard.js';
import { buildMail, pdfBytes } from '../../fixtures/corpus.js';
import { type Dovecot, startDovecot } from '../../helpers/dovecot.js';
import { ADMIN } from '../../helpers/import-env.js';
import { type Oidc, relayOAuthEnv, startOidc } from '../../helpers/oidc.js';
import { signIn as signInAt } from '../../helpers/oauth-sign-in.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';

const ALICE = {
  email: 'alice@example.test',
  preferred_username: 'alice@example.test',
  tid: 'tenant-acme',
  oid: 'oid-alice',
};

let oidc: Oidc;
let dovecot: Dovecot;
let t: TestRelay;
/** Refresh tokens the identity server handed out, newest last (it rotates them on every refresh). */
const issuedRefreshTokens: string[] = [];

const env = () => ({ RELAY_ALLOW_HOSTS: '127.0.0.1', ...relayOAuthEnv(oidc) });
const driver = () =>
  createImapDriver({ allow: parseAllowList(['127.0.0.1']), tls: { ca: dovecot.caCertPem } });

beforeAll(async () => {
  oidc = await startOidc({ user: ALICE });
  // Access tokens that live a minute: MSAL refreshes anything within five minutes of expiry, so every
  // use of a stored sign-in goes through the refresh token, as a real one does after an hour.
  oidc.service.on('beforeResponse', (res: { body: Record<string, unknown>; statusCode: number }) => {
    if (res.statusCode !== 200) return;
    res.body.expires_in = 60;
    if (typeof res.body.refresh_token === 'string') issuedRefreshTokens.push(res.body.refresh_token);
  });
  dovecot = await startDovecot({
    users: [{ name: 'alice@example.test', password: 'unused-pass' }],
    oauth2: {
      introspectionUrl: oidc.introspectUrl,
      caCertPath: oidc.caCertPath,
      delegates: { 'shared@example.test': ['alice@example.test'] },
    },
  });
  await dovecot.createFolder('alice@example.test', 'Imported');
  await dovecot.createFolder('alice@example.test', 'NotImported');
  await dovecot.createFolder('shared@example.test', 'Rechnungen');
  t = await startTestRelay({ env: env(), driver: driver() });
});
afterAll(async () => {
  await t?.close();
  await dovecot?.stop();
  await oidc?.stop();
});

const signIn = (provider: 'microsoft' | 'google', mailboxId?: string) => signInAt(t, provider, mailboxId);

const pointAtDovecot = (id: string) =>
  t.relay.mailboxes.update(ADMIN, id, {
    company: 'Acme GmbH',
    imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' },
    folders: { source: 'INBOX', imported: 'Imported', notImported: 'NotImported' },
  });

describe('Office 365', () => {
  let id: string;

  it('connects a mailbox prefilled from the sign-in, without any secret in the answer', async () => {
    const res = await signIn('microsoft');
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      provider: 'microsoft',
      username: 'alice@example.test',
      description: 'alice@example.test',
      imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
      account: { address: 'alice@example.test', tenant: 'tenant-acme' },
      hasPassword: false,
      company: '',
    });
    for (const secret of ['planted-ms-secret', ...issuedRefreshTokens])
      expect(res.text).not.toContain(secret);
    id = res.body.id;
  });

  it('checks the connection and imports over XOAUTH2', async () => {
    await pointAtDovecot(id);
    const check = await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${id}/check`, {});
    expect(check.body.ok, JSON.stringify(check.body)).toBe(true);
    expect(check.body.folders.map((f: { path: string }) => f.path)).toEqual(
      expect.arrayContaining(['INBOX', 'Imported']),
    );
    await dovecot.appendMessage(
      'alice@example.test',
      'INBOX',
      await buildMail({
        subject: 'O365 invoice',
        messageId: '<o365-1@test>',
        attachments: [{ filename: 'a.pdf', content: pdfBytes(3000, 'o365'), contentType: 'application/pdf' }],
      }),
    );
    const run = await (await t.relay.imports.start(id, 'manual')).done;
    expect(run.status, JSON.stringify(run.error)).toBe('completed');
    expect(run.counts.imported).toBe(1);
  });

  it("opens a shared mailbox with the delegate's sign-in", async () => {
    await t.relay.mailboxes.update(ADMIN, id, {
      sharedMailbox: { enabled: true, address: 'shared@example.test' },
    });
    const check = await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${id}/check`, {});
    expect(check.body.ok, JSON.stringify(check.body)).toBe(true);
    expect(check.body.folders.map((f: { path: string }) => f.path)).toContain('Rechnungen');
    await t.relay.mailboxes.update(ADMIN, id, { sharedMailbox: { enabled: false, address: null } });
  });

  it('tries an unsaved shared mailbox setting, and refuses to send the token to a foreign host', async () => {
    const check = await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${id}/check`, {
      sharedMailbox: { enabled: true, address: 'shared@example.test' },
    });
    expect(check.body.ok, JSON.stringify(check.body)).toBe(true);
    expect(check.body.folders.map((f: { path: string }) => f.path)).toContain('Rechnungen');
    const foreign = { host: 'imap.attacker.example', port: 993, security: 'tls' };
    const patch = await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${id}`, { imap: foreign });
    expect(patch.status).toBe(400);
    expect(patch.body.error).toMatchObject({
      field: 'imap.host',
      message: expect.stringContaining('outlook.office365.com'),
    });
    const probe = await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${id}/check`, { imap: foreign });
    expect(probe.status).toBe(400);
  });

  it('keeps the rotated refresh token across a relay restart', async () => {
    const before = issuedRefreshTokens.length;
    await t.restart();
    await t.relay.credentials.targetFor((await t.relay.store.get(id))!);
    const used = oidc.tokenRequests.at(-1)!;
    expect(used.grant_type).toBe('refresh_token');
    // The refresh used the token issued last before the restart, which only the stored cache knew.
    expect(used.refresh_token).toBe(issuedRefreshTokens[before - 1]);
    expect(issuedRefreshTokens.length).toBe(before + 1);
  });

  it('refuses to reconnect a mailbox with another account', async () => {
    oidc.setUser({
      ...ALICE,
      email: 'bob@example.test',
      preferred_username: 'bob@example.test',
      oid: 'oid-bob',
    });
    try {
      const res = await signIn('microsoft', id);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('alice@example.test');
      expect((await t.relay.store.get(id))!.account!.address).toBe('alice@example.test');
    } finally {
      oidc.setUser(ALICE);
    }
  });

  it('refreshes once when several runs ask at the same time', async () => {
    await t.restart();
    const m = (await t.relay.store.get(id))!;
    const before = oidc.tokenRequests.length;
    const targets = await Promise.all([1, 2, 3, 4].map(() => t.relay.credentials.targetFor(m)));
    expect(new Set(targets.map((x) => (x.credentials as { accessToken: string }).accessToken)).size).toBe(1);
    expect(oidc.tokenRequests.length - before).toBe(1);
  });

  it('invalid_grant sets needs_reauth, and Reconnect resumes where it stopped', async () => {
    oidc.failNextToken('invalid_grant', 'AADSTS50173: The provided grant has expired');
    const run = await (await t.relay.imports.start(id, 'manual')).done;
    expect(run.error).toMatchObject({ kind: 'needs_reauth' });
    expect((await t.relay.store.get(id))!.state).toMatchObject({ status: 'needs_reauth', paused: true });

    const again = await signIn('microsoft', id);
    expect(again.status, again.text).toBe(201);
    expect(again.body.id).toBe(id);
    expect(again.body.state).toMatchObject({ status: 'ok', paused: false });
    expect(again.body.folders.imported).toBe('Imported');
    const after = await (await t.relay.imports.start(id, 'manual')).done;
    expect(after.status).toBe('completed');
    expect(after.counts.imported).toBe(0);
  });
});

describe('Gmail', () => {
  it('connects, checks and refuses grants without the mail scope or a refresh token', async () => {
    oidc.setScope('openid email');
    const noScope = await signIn('google');
    expect(noScope.status).toBe(400);
    expect(noScope.body.error.message).toContain('Gmail');
    oidc.setScope('openid email https://mail.google.com/');
    oidc.omitNextRefreshToken();
    const noRefresh = await signIn('google');
    expect(noRefresh.status).toBe(400);
    expect(noRefresh.body.error.message).toContain('connect again');

    const ok = await signIn('google');
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body).toMatchObject({
      provider: 'google',
      username: 'alice@example.test',
      imap: { host: 'imap.gmail.com', port: 993 },
    });
    await pointAtDovecot(ok.body.id);
    const check = await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${ok.body.id}/check`, {});
    expect(check.body.ok, JSON.stringify(check.body)).toBe(true);
    const patch = await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${ok.body.id}`, {
      sharedMailbox: { enabled: true, address: 'x@example.test' },
    });
    expect(patch.status).toBe(400);
  });
});
