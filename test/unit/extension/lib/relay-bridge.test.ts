import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { relayHandlers } from '../../../../extension/lib/relay-bridge';
import { saveRelaySettings } from '../../../../extension/lib/storage';

/** The relay as the network shows it: canned responses; the requests are recorded. */
function fakeRelay(respond: (req: Request) => Response | Promise<Response>) {
  const requests: { method: string; url: string; auth: string | null; body: string }[] = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    requests.push({
      method: req.method,
      url: req.url,
      auth: req.headers.get('authorization'),
      body: await req.clone().text(),
    });
    return respond(req);
  });
  return requests;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the background relay bridge', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(() => vi.unstubAllGlobals());

  it('says "not configured" before a token is saved, without calling the relay', async () => {
    const requests = fakeRelay(() => json([]));
    expect(await relayHandlers.listMailboxes(null)).toMatchObject({
      ok: false,
      error: { kind: 'not_configured' },
    });
    expect(requests).toEqual([]);
  });

  it('calls the stored relay with the bearer token', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:8787', token: 'tok-alice' });
    const requests = fakeRelay(() => json([]));
    expect(await relayHandlers.listMailboxes(null)).toEqual({ ok: true, data: [] });
    expect(requests).toEqual([
      { method: 'GET', url: 'http://127.0.0.1:8787/api/mailboxes', auth: 'Bearer tok-alice', body: '' },
    ]);
  });

  it('tests unsaved settings as given (the options page "Test")', async () => {
    const requests = fakeRelay(() => json({ user: 'bob', roles: [] }));
    const reply = await relayHandlers.testSettings({ relayUrl: 'http://localhost:9000/', token: 'tok-bob' });
    expect(reply).toEqual({ ok: true, data: { user: 'bob', roles: [] } });
    expect(requests[0]).toMatchObject({ url: 'http://localhost:9000/api/me', auth: 'Bearer tok-bob' });
  });

  it('passes a 400 with its field through, for the form to show next to that field', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:8787', token: 't' });
    const error = { kind: 'validation', message: 'folders.imported must differ', field: 'folders.imported' };
    fakeRelay(() => json({ error }, 400));
    const reply = await relayHandlers.updateMailbox({ id: 'm1', patch: { description: 'x' } });
    expect(reply).toEqual({ ok: false, error: { ...error, status: 400 } });
  });

  it('reports an unreachable relay as such', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:1', token: 't' });
    fakeRelay(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await relayHandlers.me(null)).toMatchObject({ ok: false, error: { kind: 'relay_unreachable' } });
  });

  it('describes a non-JSON error by its status', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:8787', token: 't' });
    fakeRelay(() => new Response('Bad gateway', { status: 502 }));
    expect(await relayHandlers.me(null)).toMatchObject({
      ok: false,
      error: { kind: 'internal', status: 502 },
    });
  });

  it('maps DELETE 204 to null and hits the right paths for runs', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:8787', token: 't' });
    const requests = fakeRelay((req) =>
      req.method === 'DELETE' ? new Response(null, { status: 204 }) : json({}),
    );
    expect(await relayHandlers.deleteMailbox({ id: 'm 1' })).toEqual({ ok: true, data: null });
    await relayHandlers.startRun({ mailboxId: 'm1' });
    await relayHandlers.getRun({ runId: 'r1' });
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE http://127.0.0.1:8787/api/mailboxes/m%201',
      'POST http://127.0.0.1:8787/api/mailboxes/m1/runs',
      'GET http://127.0.0.1:8787/api/runs/r1',
    ]);
  });

  it('lists the alerts the relay gives the caller (GET /api/alerts), unwrapped', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:8787', token: 'tok-alice' });
    const alerts = [
      {
        id: 'a1',
        key: 'mailbox_state:m1',
        kind: 'mailbox_state',
        severity: 'critical',
        status: 'open',
        mailboxId: 'm1',
        mailbox: 'Invoices ACME',
        message: 'The mail server refused the login.',
        action: 'check_password',
        due: null,
        raisedAt: '2024-08-01T08:47:36Z',
        resolvedAt: null,
      },
    ];
    const requests = fakeRelay(() => json({ alerts }));
    expect(await relayHandlers.listAlerts(null)).toEqual({ ok: true, data: alerts });
    expect(requests).toEqual([
      { method: 'GET', url: 'http://127.0.0.1:8787/api/alerts', auth: 'Bearer tok-alice', body: '' },
    ]);
  });

  it('passes a refused alerts call through as its error', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:8787', token: 't' });
    fakeRelay(() => json({ error: { kind: 'unauthorized', message: 'unknown token' } }, 401));
    expect(await relayHandlers.listAlerts(null)).toEqual({
      ok: false,
      error: { kind: 'unauthorized', message: 'unknown token', status: 401 },
    });
  });

  it('sends the password to the relay and never keeps it in extension storage', async () => {
    await saveRelaySettings({ relayUrl: 'http://127.0.0.1:8787', token: 't' });
    const requests = fakeRelay(() => json({ ok: true, steps: [], folders: [] }));
    const password = 'correct horse battery staple';
    await relayHandlers.checkConnection({
      imap: { host: 'imap.example.com', port: 993, security: 'tls' },
      username: 'u',
      password,
    });
    expect(requests[0]?.body).toContain(password);
    const everything = JSON.stringify(await fakeBrowser.storage.local.get(null));
    expect(everything).not.toContain(password);
  });
});
