import type { MutableResponse } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAdminFault } from '../../../relay/errors.js';
import { type Oidc, relayOAuthEnv, startOidc } from '../../helpers/oidc.js';
import { signIn as signInAt } from '../../helpers/oauth-sign-in.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';

/** Issue 8: token and redirect answers read as RFC 6749 and Microsoft's error code reference say. */

const ALICE = {
  email: 'alice@example.test',
  preferred_username: 'alice@example.test',
  tid: 'tenant-acme',
  oid: 'oid-alice',
};
/** Microsoft's token endpoint refusing the relay's client secret (invalid 7000215, expired 7000222). */
const badSecret = (code: '7000215' | '7000222') => ({
  error: 'invalid_client',
  error_description: `AADSTS${code}: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'mc-ms-client'. Trace ID: 7a1e-trace Correlation ID: 3c9d-corr Timestamp: 2025-01-01 10:00:00Z`,
  error_codes: [Number(code)],
  trace_id: '7a1e-trace',
  correlation_id: '3c9d-corr',
});

let oidc: Oidc;
let t: TestRelay;

beforeAll(async () => {
  oidc = await startOidc({ user: ALICE });
  t = await startTestRelay({ env: relayOAuthEnv(oidc) });
});
afterAll(async () => {
  await t?.close();
  await oidc?.stop();
});

/** Changes the next token response after the helper's own shaping of it. */
const nextTokenResponse = (change: (res: MutableResponse) => void) =>
  oidc.service.once('beforeResponse', change);

const signIn = (provider: 'microsoft' | 'google', mailboxId?: string) => signInAt(t, provider, mailboxId);

const mailboxCount = async () => (await t.call(t.tokens.alice, 'GET', '/api/mailboxes')).body.length;

describe('Google token response', () => {
  it('without `scope` means the scope asked for was granted (RFC 6749 §5.1)', async () => {
    nextTokenResponse((res) => {
      if (typeof res.body === 'object') delete res.body.scope;
    });
    const res = await signIn('google');
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ provider: 'google', username: 'alice@example.test' });
  });

  it('with a `scope` lacking the mail scope is the unticked Gmail box, and creates nothing', async () => {
    const before = await mailboxCount();
    nextTokenResponse((res) => {
      if (typeof res.body === 'object')
        res.body.scope = 'openid https://www.googleapis.com/auth/userinfo.email';
    });
    const res = await signIn('google');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      kind: 'access_denied',
      message:
        'Google did not grant access to the mailbox. Connect again and tick "Read, compose, send and permanently delete all your email from Gmail".',
    });
    expect(await mailboxCount()).toBe(before);
  });
});

describe('Microsoft token endpoint', () => {
  it('a wrong client secret (401 invalid_client, AADSTS7000215) is for the relay administrator', async () => {
    nextTokenResponse((res) => {
      res.statusCode = 401;
      res.body = badSecret('7000215');
    });
    const res = await signIn('microsoft');
    expect(res.status).toBe(500);
    expect(res.body.error.kind).toBe('config');
    expect(res.body.error.message).toBe(
      "The relay's Office 365 app credentials are wrong or expired. Tell the relay's administrator (RELAY_MS_CLIENT_SECRET); there is nothing you can do. (AADSTS7000215)",
    );
    expect(res.text).not.toMatch(/7a1e-trace|3c9d-corr|planted-ms-secret/);
  });

  it('the same on a refresh is an admin fault and leaves the mailbox as it was, not needs_reauth', async () => {
    // An access token near expiry, so the next use goes to the token endpoint (MSAL refreshes 5 min early).
    nextTokenResponse((res) => {
      if (typeof res.body === 'object') res.body.expires_in = 60;
    });
    const connected = await signIn('microsoft');
    expect(connected.status, connected.text).toBe(201);
    await t.restart();
    nextTokenResponse((res) => {
      res.statusCode = 401;
      res.body = badSecret('7000222');
    });
    const m = (await t.relay.store.get(connected.body.id))!;
    const error = await t.relay.credentials.targetFor(m).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(oidc.tokenRequests.at(-1)!.grant_type).toBe('refresh_token');
    expect(error).toMatchObject({ kind: 'config', message: expect.stringContaining('AADSTS7000222') });
    expect(isAdminFault(error)).toBe(true);
    expect((await t.relay.store.get(m.id))!.state).toMatchObject({ status: 'ok', paused: false });
  });
});

describe('Microsoft redirect with an error', () => {
  it('AADSTS65004 is the user declining the consent', async () => {
    oidc.failNextAuthorize('access_denied', 'AADSTS65004: User declined to consent to access the app.');
    const res = await signIn('microsoft');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      kind: 'access_denied',
      message: 'You declined the access Onventis asked for. Connect again and accept it. (AADSTS65004)',
    });
  });

  it('a plain access_denied is a cancelled sign-in', async () => {
    oidc.failNextAuthorize('access_denied');
    const res = await signIn('microsoft');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ kind: 'access_denied', message: 'You cancelled the sign-in.' });
  });

  it('AADSTS50105 asks for an assignment to the app, not for the Office365 Consent', async () => {
    oidc.failNextAuthorize(
      'access_denied',
      "AADSTS50105: Your administrator has configured the application Onventis ('mc-ms-client') to block users unless they are specifically granted ('assigned') access to the application.",
    );
    const res = await signIn('microsoft');
    expect(res.body.error.kind).toBe('access_denied');
    expect(res.body.error.message).toContain('assign you to the Onventis app in Entra ID');
    expect(res.body.error.message).not.toContain('Office365 Consent');
  });
});
