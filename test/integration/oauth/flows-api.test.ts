import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';

const EXT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org';
let t: TestRelay;
let manager: string;
beforeEach(async () => {
  t = await startTestRelay({
    env: {
      RELAY_MS_CLIENT_ID: 'mc-client',
      RELAY_MS_CLIENT_SECRET: 'planted-client-secret',
      RELAY_MS_AUTHORITY: 'https://login.microsoftonline.com/organizations',
    },
  });
  manager = (await t.relay.tokens.create('it-admin', ['Azure Active Directory Manager'])).token;
});
afterEach(() => t.close());

describe('Office 365 admin consent', () => {
  it('only the Azure Active Directory Manager may start it', async () => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/consent/microsoft/start', {
      redirectUri: `${EXT}/consent`,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('Azure Active Directory Manager');
  });

  it('records the tenant once the admin consented on behalf of the organisation', async () => {
    const start = await t.call(manager, 'POST', '/api/consent/microsoft/start', {
      redirectUri: `${EXT}/consent`,
    });
    expect(start.status).toBe(200);
    const url = new URL(start.body.authUrl);
    expect(url.pathname).toBe('/organizations/v2.0/adminconsent');
    expect(url.searchParams.get('client_id')).toBe('mc-client');
    expect(url.searchParams.get('redirect_uri')).toBe(`${EXT}/consent`);
    expect(start.text).not.toContain('planted-client-secret');
    const done = await t.call(manager, 'POST', '/api/consent/microsoft/complete', {
      state: start.body.state,
      redirectUrl: `${EXT}/consent?admin_consent=True&tenant=tenant-42&state=${start.body.state}`,
    });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ tenant: 'tenant-42', consentedBy: 'it-admin' });
    const list = await t.call(t.tokens.bob, 'GET', '/api/consent/microsoft');
    expect(list.body.map((c: { tenant: string }) => c.tenant)).toEqual(['tenant-42']);
  });

  it('a reused or foreign state is refused with 400', async () => {
    const start = await t.call(manager, 'POST', '/api/consent/microsoft/start', {
      redirectUri: `${EXT}/consent`,
    });
    const redirectUrl = `${EXT}/consent?admin_consent=True&tenant=t1&state=${start.body.state}`;
    expect(
      (
        await t.call(manager, 'POST', '/api/consent/microsoft/complete', {
          state: start.body.state,
          redirectUrl,
        })
      ).status,
    ).toBe(201);
    const again = await t.call(manager, 'POST', '/api/consent/microsoft/complete', {
      state: start.body.state,
      redirectUrl,
    });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ kind: 'validation', field: 'state' });
    const other = (await t.relay.tokens.create('other-admin', ['Azure Active Directory Manager'])).token;
    const second = await t.call(manager, 'POST', '/api/consent/microsoft/start', {
      redirectUri: `${EXT}/consent`,
    });
    const foreign = await t.call(other, 'POST', '/api/consent/microsoft/complete', {
      state: second.body.state,
      redirectUrl: `${EXT}/consent?admin_consent=True&tenant=t2&state=${second.body.state}`,
    });
    expect(foreign.status).toBe(400);
  });

  it('an unticked "on behalf of your organisation" or a refusal is explained', async () => {
    const start = await t.call(manager, 'POST', '/api/consent/microsoft/start', {
      redirectUri: `${EXT}/consent`,
    });
    const denied = await t.call(manager, 'POST', '/api/consent/microsoft/complete', {
      state: start.body.state,
      redirectUrl: `${EXT}/consent?error=access_denied&error_description=AADSTS65004&state=${start.body.state}`,
    });
    expect(denied.status).toBe(400);
    expect(denied.body.error.kind).toBe('access_denied');
    expect(denied.body.error.message).toContain('Consent on behalf of your organization');
  });

  it.each([
    ['error=access_denied', 'access_denied', 'Consent on behalf of your organization'],
    [
      'error=access_denied&error_description=AADSTS90094%3A+The+grant+requires+admin+permission.',
      'consent_required',
      'sign in as a Global Administrator',
    ],
    [
      'error=access_denied&error_description=AADSTS90095%3A+Admin+consent+is+required',
      'consent_required',
      'sign in as a Global Administrator',
    ],
    [
      'error=unauthorized_client&error_description=AADSTS700016%3A+Application+not+found',
      'config',
      'RELAY_MS_CLIENT_ID',
    ],
  ])('answers the administrator, not "ask your administrator": %s', async (query, kind, sentence) => {
    const start = await t.call(manager, 'POST', '/api/consent/microsoft/start', {
      redirectUri: `${EXT}/consent`,
    });
    const res = await t.call(manager, 'POST', '/api/consent/microsoft/complete', {
      state: start.body.state,
      redirectUrl: `${EXT}/consent?${query}&state=${start.body.state}`,
    });
    expect(res.body.error.kind).toBe(kind);
    expect(res.body.error.message).toContain(sentence);
    expect(res.body.error.message).not.toContain('Ask your Azure Active Directory Manager');
  });
});

describe('connect flow input', () => {
  it('accepts only extension identity redirect URIs', async () => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/oauth/microsoft/start', {
      redirectUri: 'https://evil.example.com/cb',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('redirectUri');
  });

  it('builds a PKCE sign-in URL with the extension redirect and a state', async () => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/oauth/microsoft/start', {
      redirectUri: `${EXT}/microsoft`,
    });
    expect(res.status).toBe(200);
    const url = new URL(res.body.authUrl);
    expect(url.origin).toBe('https://login.microsoftonline.com');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBe(res.body.state);
    expect(url.searchParams.get('scope')).toContain('https://outlook.office.com/IMAP.AccessAsUser.All');
    expect(url.searchParams.get('scope')).toContain('offline_access');
  });

  it('says "access denied" in words, and refuses a wrong state', async () => {
    const start = await t.call(t.tokens.alice, 'POST', '/api/oauth/microsoft/start', {
      redirectUri: `${EXT}/microsoft`,
    });
    const wrong = await t.call(t.tokens.alice, 'POST', '/api/oauth/microsoft/complete', {
      state: 'nope',
      redirectUrl: `${EXT}/microsoft?code=x&state=nope`,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.field).toBe('state');
    const denied = await t.call(t.tokens.alice, 'POST', '/api/oauth/microsoft/complete', {
      state: start.body.state,
      redirectUrl: `${EXT}/microsoft?error=access_denied&error_description=The+user+cancelled&state=${start.body.state}`,
    });
    expect(denied.status).toBe(400);
    expect(denied.body.error).toMatchObject({
      kind: 'access_denied',
      message: expect.stringContaining('cancelled'),
    });
  });

  it('tells which variables are missing when a provider is not configured', async () => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/oauth/google/start', {
      redirectUri: `${EXT}/google`,
    });
    expect(res.status).toBe(500);
    expect(res.body.error.message).toContain('RELAY_GOOGLE_CLIENT_ID');
  });
});
