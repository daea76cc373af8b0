import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { relayHandlers } from '../../../../../extension/lib/relay-bridge';
import { saveRelaySettings } from '../../../../../extension/lib/storage';

const EXT = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org';
const RELAY = 'http://127.0.0.1:8787';

interface Seen {
  method: string;
  path: string;
  body: unknown;
}

/** The relay as the network shows it: a canned answer per path; the requests are recorded. */
function fakeRelay(answers: Record<string, () => Response>): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    const text = await req.text();
    seen.push({ method: req.method, path, body: text ? JSON.parse(text) : null });
    return answers[path]?.() ?? json({ error: { kind: 'not_found', message: path } }, 404);
  });
  return seen;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The browser's identity API: the redirect URL it would return, or the error it would throw. */
function fakeIdentity(result: string | Error) {
  const launched: { url: string; interactive?: boolean }[] = [];
  fakeBrowser.identity.getRedirectURL = (path?: string) => `${EXT}/${path ?? ''}`;
  fakeBrowser.identity.launchWebAuthFlow = (async (details: { url: string; interactive?: boolean }) => {
    launched.push(details);
    if (result instanceof Error) throw result;
    return result;
  }) as typeof fakeBrowser.identity.launchWebAuthFlow;
  return launched;
}

const mailbox = { id: 'm1', provider: 'microsoft', account: { address: 'alice@contoso.test' } };

describe('the sign-in flows in the background', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    await saveRelaySettings({ relayUrl: RELAY, token: 't' });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('New → Office 365: start with the extension redirect, run the window, complete with its URL', async () => {
    const seen = fakeRelay({
      '/api/oauth/microsoft/start': () =>
        json({ authUrl: 'https://login.example/authorize?x=1', state: 's1' }),
      '/api/oauth/microsoft/complete': () => json(mailbox, 201),
    });
    const launched = fakeIdentity(`${EXT}/microsoft?code=c1&state=s1`);
    expect(await relayHandlers.connectMailbox({ provider: 'microsoft' })).toEqual({
      ok: true,
      data: mailbox,
    });
    expect(launched).toEqual([{ url: 'https://login.example/authorize?x=1', interactive: true }]);
    expect(seen).toEqual([
      { method: 'POST', path: '/api/oauth/microsoft/start', body: { redirectUri: `${EXT}/microsoft` } },
      {
        method: 'POST',
        path: '/api/oauth/microsoft/complete',
        body: { state: 's1', redirectUrl: `${EXT}/microsoft?code=c1&state=s1` },
      },
    ]);
  });

  it('Reconnect names the mailbox; Gmail has its own redirect path', async () => {
    const seen = fakeRelay({
      '/api/oauth/google/start': () => json({ authUrl: 'https://accounts.example/auth', state: 's2' }),
      '/api/oauth/google/complete': () => json({ ...mailbox, provider: 'google' }, 201),
    });
    fakeIdentity(`${EXT}/google?code=c2&state=s2`);
    expect(await relayHandlers.connectMailbox({ provider: 'google', mailboxId: 'm1' })).toMatchObject({
      ok: true,
    });
    expect(seen[0]?.body).toEqual({ redirectUri: `${EXT}/google`, mailboxId: 'm1' });
  });

  it('a closed window is access_denied, and the relay is not asked to complete', async () => {
    const seen = fakeRelay({
      '/api/oauth/microsoft/start': () => json({ authUrl: 'https://login.example/authorize', state: 's1' }),
    });
    fakeIdentity(new Error('The user did not approve access.'));
    expect(await relayHandlers.connectMailbox({ provider: 'microsoft' })).toMatchObject({
      ok: false,
      error: { kind: 'access_denied', message: 'The user did not approve access.' },
    });
    expect(seen.map((s) => s.path)).toEqual(['/api/oauth/microsoft/start']);
  });

  it('a window that could not load is signin_failed', async () => {
    fakeRelay({ '/api/oauth/microsoft/start': () => json({ authUrl: 'https://down.example/', state: 's' }) });
    fakeIdentity(new Error('Authorization page could not be loaded.'));
    expect(await relayHandlers.connectMailbox({ provider: 'microsoft' })).toMatchObject({
      ok: false,
      error: { kind: 'signin_failed' },
    });
  });

  it("passes the relay's verdict on the redirect through (consent_required)", async () => {
    const error = { kind: 'consent_required', message: 'Ask your Azure Active Directory Manager' };
    fakeRelay({
      '/api/oauth/microsoft/start': () => json({ authUrl: 'https://login.example/authorize', state: 's1' }),
      '/api/oauth/microsoft/complete': () => json({ error }, 400),
    });
    fakeIdentity(`${EXT}/microsoft?error=consent_required&state=s1`);
    expect(await relayHandlers.connectMailbox({ provider: 'microsoft' })).toEqual({
      ok: false,
      error: { ...error, status: 400 },
    });
  });

  it('does not open a window when the relay refuses to start (e.g. not configured)', async () => {
    const error = { kind: 'config', message: 'set RELAY_GOOGLE_CLIENT_ID' };
    fakeRelay({ '/api/oauth/google/start': () => json({ error }, 500) });
    const launched = fakeIdentity(`${EXT}/google?code=x`);
    expect(await relayHandlers.connectMailbox({ provider: 'google' })).toMatchObject({
      ok: false,
      error: { kind: 'config' },
    });
    expect(launched).toEqual([]);
  });

  it('Office365 Consent: the consent redirect path, then the consented tenant', async () => {
    const consent = { tenant: 't-42', consentedAt: '2024-08-01T08:47:36Z', consentedBy: 'it-admin' };
    const seen = fakeRelay({
      '/api/consent/microsoft/start': () =>
        json({ authUrl: 'https://login.example/v2.0/adminconsent', state: 'c1' }),
      '/api/consent/microsoft/complete': () => json(consent, 201),
      '/api/consent/microsoft': () => json([consent]),
    });
    fakeIdentity(`${EXT}/consent?admin_consent=True&tenant=t-42&state=c1`);
    expect(await relayHandlers.giveConsent(null)).toEqual({ ok: true, data: consent });
    expect(await relayHandlers.listConsents(null)).toEqual({ ok: true, data: [consent] });
    expect(seen.map((s) => [s.method, s.path, s.body])).toEqual([
      ['POST', '/api/consent/microsoft/start', { redirectUri: `${EXT}/consent` }],
      [
        'POST',
        '/api/consent/microsoft/complete',
        { state: 'c1', redirectUrl: `${EXT}/consent?admin_consent=True&tenant=t-42&state=c1` },
      ],
      ['GET', '/api/consent/microsoft', null],
    ]);
  });
});
