import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imapMailbox, startTestRelay, type TestRelay } from '../../helpers/relay.js';

let t: TestRelay;
beforeEach(async () => {
  t = await startTestRelay();
});
afterEach(() => t.close());

const PLANTED = 'planted-Secret-4711';

describe('mailboxes API', () => {
  it('creates an IMAP mailbox with defaults and never returns the password', async () => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      provider: 'imap',
      description: 'AP inbox',
      autoProcessing: false,
      schedule: '*/5 * * * *',
      folders: { source: 'INBOX', imported: null, notImported: null },
      hasPassword: true,
      createdBy: 'alice',
      state: { status: 'ok', paused: false },
    });
    expect(res.text).not.toContain(PLANTED);
    expect(res.body).not.toHaveProperty('password');
    expect(res.body).not.toHaveProperty('secrets');
  });

  it.each([
    [
      { imap: { host: 'imap.example.com', port: 70000, security: 'tls' } },
      'imap.port',
      'between 1 and 65535',
    ],
    [{ imap: { host: 'a'.repeat(254), port: 993, security: 'tls' } }, 'imap.host', '253'],
    [{ imap: { host: 'bad host!', port: 993, security: 'tls' } }, 'imap.host', 'host name'],
    [{ imap: { host: 'imap.example.com', port: 993, security: 'ssl3' } }, 'imap.security', ''],
    [{ access: { user: 'alice', role: 'x' } }, 'access', 'either a user or a role'],
    [{ access: {} }, 'access', 'either a user or a role'],
    [{ description: '' }, 'description', 'empty'],
    [{ company: undefined }, 'company', 'required'],
    [{ folders: { source: 'INBOX', imported: 'INBOX', notImported: 'X' } }, 'folders.imported', 'differ'],
    [{ folders: { source: 'INBOX', imported: 'A', notImported: 'A' } }, 'folders.notImported', 'differ'],
    [{ folders: { source: 'IN\r\nBOX' } }, 'folders.source', 'line breaks'],
    [{ schedule: '* * *' }, 'schedule', '5 fields'],
    [{ schedule: '99 * * * *' }, 'schedule', 'not a valid cron'],
    [{ sharedMailbox: { enabled: true, address: 'shared@example.com' } }, 'sharedMailbox', 'Office 365'],
    [{ provider: 'google' }, 'provider', 'signing in'],
    [{ password: undefined }, 'password', 'required'],
    [{ isAdmin: true }, 'isAdmin', 'not a known field'],
    [{ autoProcessing: true }, 'folders.imported', 'Auto processing'],
  ])('rejects %j with 400 naming %s', async (over, field, words) => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox(over));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ kind: 'validation', field });
    expect(res.body.error.message).toContain(words);
    expect(res.text).not.toContain(PLANTED);
  });

  it('rejects malformed JSON with 400', async () => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', '{"description":');
    expect(res.status).toBe(400);
    expect(res.body.error.kind).toBe('validation');
  });

  it('PATCH keeps the stored password when none is given, and replaces it when one is', async () => {
    const { body: m } = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox());
    const patched = await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${m.id}`, {
      description: 'Renamed',
      folders: {
        source: 'INBOX',
        imported: 'Rechnungen/Importiert',
        notImported: 'Rechnungen/Nicht importiert',
      },
      autoProcessing: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'Renamed', autoProcessing: true, hasPassword: true });
    const stored = await t.relay.store.get(m.id);
    expect(t.relay.mailboxes.connectTarget(stored!).credentials).toEqual({
      type: 'password',
      password: PLANTED,
    });
    await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${m.id}`, { password: 'new-pass' });
    const again = await t.relay.store.get(m.id);
    expect(t.relay.mailboxes.connectTarget(again!).credentials).toEqual({
      type: 'password',
      password: 'new-pass',
    });
  });

  it('PATCH validates per field and refuses to change the provider', async () => {
    const { body: m } = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox());
    const bad = await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${m.id}`, {
      imap: { host: 'x', port: 0, security: 'tls' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('imap.port');
    const provider = await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${m.id}`, { provider: 'google' });
    expect(provider.status).toBe(400);
    expect(provider.body.error.field).toBe('provider');
  });

  it('PATCH of some folders keeps the others (never falls back to INBOX)', async () => {
    const { body: m } = await t.call(
      t.tokens.alice,
      'POST',
      '/api/mailboxes',
      imapMailbox({ folders: { source: 'Rechnungen' } }),
    );
    const res = await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${m.id}`, {
      folders: { imported: 'Rechnungen/Importiert', notImported: 'Rechnungen/Fehler' },
    });
    expect(res.status).toBe(200);
    expect(res.body.folders).toEqual({
      source: 'Rechnungen',
      imported: 'Rechnungen/Importiert',
      notImported: 'Rechnungen/Fehler',
    });
    const clash = await t.call(t.tokens.alice, 'PATCH', `/api/mailboxes/${m.id}`, {
      folders: { imported: 'Rechnungen' },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.error.field).toBe('folders.imported');
  });

  it('DELETE removes the mailbox and its secret', async () => {
    const { body: m } = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox());
    expect((await t.call(t.tokens.alice, 'DELETE', `/api/mailboxes/${m.id}`)).status).toBe(204);
    expect((await t.call(t.tokens.alice, 'GET', `/api/mailboxes/${m.id}`)).status).toBe(404);
    const db = readFileSync(join(t.dataDir, 'db.json'), 'utf8');
    expect(db).not.toContain(m.id);
  });

  it('never writes the password in clear anywhere in the data directory', async () => {
    await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox());
    const files = readdirSync(t.dataDir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const path = join(f.parentPath, f.name);
      const bytes = readFileSync(path);
      expect(bytes.includes(PLANTED), path).toBe(false);
      expect(bytes.includes(Buffer.from(PLANTED).toString('base64')), path).toBe(false);
      expect(statSync(path).mode & 0o077, `${path} is private`).toBe(0);
    }
    expect(statSync(t.dataDir).mode & 0o777).toBe(0o700);
  });
});

describe('who may see what', () => {
  it('401 without a token, with an unknown one, and with a revoked one', async () => {
    expect((await t.call(null, 'GET', '/api/mailboxes')).status).toBe(401);
    expect((await t.call('mc_nonsense', 'GET', '/api/mailboxes')).status).toBe(401);
    const { id, token } = await t.relay.tokens.create('dave', []);
    expect((await t.call(token, 'GET', '/api/me')).body).toEqual({ user: 'dave', roles: [] });
    await t.relay.tokens.revoke(id);
    const res = await t.call(token, 'GET', '/api/me');
    expect(res.status).toBe(401);
    expect(res.body.error.kind).toBe('unauthorized');
  });

  it('health needs no token and tells the version', async () => {
    const res = await t.call(null, 'GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', version: expect.any(String) });
  });

  it('lists only mailboxes naming the caller, a role of theirs, or created by them; admins see all', async () => {
    const forClerks = (await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox())).body;
    const forBob = (
      await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox({ access: { user: 'bob' } }))
    ).body;
    const ids = async (token: string) =>
      (await t.call(token, 'GET', '/api/mailboxes')).body.map((m: { id: string }) => m.id).sort();
    expect(await ids(t.tokens.alice)).toEqual([forClerks.id, forBob.id].sort());
    expect(await ids(t.tokens.bob)).toEqual([forBob.id]);
    expect(await ids(t.tokens.clerk)).toEqual([forClerks.id]);
    expect(await ids(t.tokens.admin)).toEqual([forClerks.id, forBob.id].sort());
    expect((await t.call(t.tokens.bob, 'GET', `/api/mailboxes/${forClerks.id}`)).status).toBe(404);
    expect((await t.call(t.tokens.bob, 'DELETE', `/api/mailboxes/${forClerks.id}`)).status).toBe(404);
    // Bob may use his mailbox but not change it or point its password elsewhere.
    expect(
      (await t.call(t.tokens.bob, 'PATCH', `/api/mailboxes/${forBob.id}`, { description: 'x' })).status,
    ).toBe(403);
    const redirect = await t.call(t.tokens.bob, 'POST', `/api/mailboxes/${forBob.id}/check`, {
      imap: { host: 'evil.example.net', port: 993, security: 'tls' },
    });
    expect(redirect.status).toBe(403);
    const guessing = await t.call(t.tokens.bob, 'POST', `/api/mailboxes/${forBob.id}/check`, {
      password: 'guess-1',
    });
    expect(guessing.status).toBe(403);
    expect(
      (await t.call(t.tokens.admin, 'PATCH', `/api/mailboxes/${forBob.id}`, { description: 'y' })).status,
    ).toBe(200);
  });

  it('serves an OpenAPI document of the routes', async () => {
    const res = await t.call(t.tokens.bob, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/mailboxes', '/api/connection-check', '/api/mailboxes/{id}/check']),
    );
    expect(res.body.components.schemas.MailboxCreate.properties).toHaveProperty('imap');
  });
});

describe('import now', () => {
  it('refuses with 400 while the folders are not set', async () => {
    const { body: m } = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox());
    const res = await t.call(t.tokens.clerk, 'POST', `/api/mailboxes/${m.id}/runs`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ kind: 'validation', field: 'folders.imported' });
    expect((await t.call(t.tokens.bob, 'POST', `/api/mailboxes/${m.id}/runs`)).status).toBe(404);
  });
});

describe('connection checks', () => {
  it('are limited per token and minute (429 with Retry-After)', async () => {
    const limited = await startTestRelay({ env: { RELAY_CHECKS_PER_MINUTE: '2' } });
    try {
      const body = {
        imap: { host: 'imap.example.com', port: 0, security: 'tls' },
        username: 'u',
        password: 'p',
      };
      expect((await limited.call(limited.tokens.alice, 'POST', '/api/connection-check', body)).status).toBe(
        400,
      );
      expect((await limited.call(limited.tokens.alice, 'POST', '/api/connection-check', body)).status).toBe(
        400,
      );
      const third = await limited.call(limited.tokens.alice, 'POST', '/api/connection-check', body);
      expect(third.status).toBe(429);
      expect(third.body.error.kind).toBe('rate_limited');
      expect((await limited.call(limited.tokens.bob, 'POST', '/api/connection-check', body)).status).toBe(
        400,
      );
    } finally {
      await limited.close();
    }
  });
});
