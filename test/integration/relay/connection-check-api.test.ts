import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImapDriver } from '../../../relay/mail/imap/driver.js';
import { parseAllowList } from '../../../relay/mail/net-guard.js';
import { type Dovecot, startDovecot } from '../../helpers/dovecot.js';
import { freePort } from '../../helpers/free-port.js';
import { imapMailbox, startTestRelay, type TestRelay } from '../../helpers/relay.js';

let dovecot: Dovecot;
let t: TestRelay;
let guarded: TestRelay;
beforeAll(async () => {
  dovecot = await startDovecot();
  await dovecot.createFolder('alice', 'Rechnungen/Eingang-Ü');
  await dovecot.createFolder('alice', 'R&D');
  t = await startTestRelay({
    driver: createImapDriver({ allow: parseAllowList(['127.0.0.1']), tls: { ca: dovecot.caCertPem } }),
  });
  guarded = await startTestRelay({
    driver: createImapDriver({ allow: parseAllowList([]), tls: { ca: dovecot.caCertPem } }),
  });
});
afterAll(async () => {
  await t?.close();
  await guarded?.close();
  await dovecot?.stop();
});

const settings = (over: Record<string, unknown> = {}) => ({
  imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' },
  username: 'alice',
  password: 'alice-secret',
  ...over,
});

describe('Check connection and load folders', () => {
  it('reports each step and lists folders with Unicode names', async () => {
    const res = await t.call(t.tokens.alice, 'POST', '/api/connection-check', settings());
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    expect(res.body.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok])).toEqual([
      ['connect', true],
      ['tls', true],
      ['login', true],
      ['list', true],
    ]);
    const paths = res.body.folders.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['INBOX', 'Rechnungen/Eingang-Ü', 'R&D']));
    const u = res.body.folders.find((f: { path: string }) => f.path === 'Rechnungen/Eingang-Ü');
    expect(u).toMatchObject({ name: 'Eingang-Ü', delimiter: '/' });
  });

  it('says a wrong password is an auth failure, quickly, without echoing it', async () => {
    const started = Date.now();
    const res = await t.call(
      t.tokens.alice,
      'POST',
      '/api/connection-check',
      settings({ password: 'planted-Wrong-99' }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.body.ok).toBe(false);
    expect(res.body.error.kind).toBe('auth');
    expect(res.body.steps.at(-1)).toMatchObject({ step: 'login', ok: false });
    expect(res.text).not.toContain('planted-Wrong-99');
  });

  it('tells a closed port apart from a wrong password', async () => {
    const port = await freePort();
    const res = await t.call(
      t.tokens.alice,
      'POST',
      '/api/connection-check',
      settings({ imap: { host: '127.0.0.1', port, security: 'tls' } }),
    );
    expect(res.body.ok).toBe(false);
    expect(res.body.error.kind).toBe('network');
  });

  it('refuses a loopback mail server unless RELAY_ALLOW_HOSTS names it', async () => {
    const res = await guarded.call(guarded.tokens.alice, 'POST', '/api/connection-check', settings());
    expect(res.body.ok).toBe(false);
    expect(res.body.error.kind).toBe('blocked_host');
  });

  it('checks a saved mailbox with its stored password, and with edits not saved yet', async () => {
    const created = await t.call(
      t.tokens.alice,
      'POST',
      '/api/mailboxes',
      imapMailbox({
        imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' },
        username: 'alice',
        password: 'alice-secret',
      }),
    );
    const saved = await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${created.body.id}/check`, {});
    expect(saved.body.ok).toBe(true);
    const starttls = await t.call(t.tokens.alice, 'POST', `/api/mailboxes/${created.body.id}/check`, {
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'starttls' },
    });
    expect(starttls.body.ok).toBe(true);
    expect(starttls.text).not.toContain('alice-secret');
  });

  it('validates the request per field', async () => {
    const res = await t.call(
      t.tokens.alice,
      'POST',
      '/api/connection-check',
      settings({ imap: { host: '127.0.0.1', port: 0, security: 'tls' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ kind: 'validation', field: 'imap.port' });
  });
});
