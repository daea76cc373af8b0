/** "Check connection and load folders" against a real Dovecot 2.3 on loopback, and against silent servers. */
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxDriver } from '../../../relay/mail/driver.js';
import { createImapDriver } from '../../../relay/mail/imap/driver.js';
import { parseAllowList, type LookupAll } from '../../../relay/mail/net-guard.js';
import type { Security } from '../../../shared/imap-settings.js';
import { startDovecot, type Dovecot } from '../../helpers/dovecot.js';
import { freePort } from '../../helpers/free-port.js';
import { allow, failure, target } from './imap-kit.js';

describe('IMAP driver against Dovecot', () => {
  let d: Dovecot;
  let driver: MailboxDriver;

  beforeAll(async () => {
    d = await startDovecot();
    for (const folder of ['Rechnungen/Eingang-Ü', 'R&D']) await d.createFolder('alice', folder);
    driver = createImapDriver({ allow, tls: { ca: d.caCertPem } });
  });
  afterAll(async () => {
    await d?.stop();
  });

  describe('check', () => {
    it('times each step and lists folders with decoded Unicode names', async () => {
      const result = await driver.check(target(d));
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
        ['connect', true],
        ['tls', true],
        ['login', true],
        ['list', true],
      ]);
      for (const step of result.steps) expect(step.ms).toBeGreaterThanOrEqual(0);
      expect(result.folders).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'INBOX', delimiter: '/' }),
          { path: 'Rechnungen/Eingang-Ü', name: 'Eingang-Ü', delimiter: '/' },
          { path: 'R&D', name: 'R&D', delimiter: '/' },
        ]),
      );
    });

    it('works with STARTTLS on the plain port', async () => {
      const result = await driver.check(target(d, { port: d.imapPort, security: 'starttls' }));
      expect(result.ok).toBe(true);
      expect(result.steps.map((s) => s.step)).toEqual(['connect', 'tls', 'login', 'list']);
    });

    it('allows plain IMAP to an allow-listed server, without a tls step', async () => {
      const result = await driver.check(target(d, { port: d.imapPort, security: 'none' }));
      expect(result.ok).toBe(true);
      expect(result.steps.map((s) => s.step)).toEqual(['connect', 'login', 'list']);
    });

    it('reports a wrong password as auth, quickly, without echoing it', async () => {
      const started = performance.now();
      const result = await driver.check(target(d, {}, 'wrong-password-123'));
      expect(performance.now() - started).toBeLessThan(2000);
      expect(result.ok).toBe(false);
      expect(result.error).toEqual({
        kind: 'auth',
        message: 'The mail server refused the user name or password.',
      });
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
        ['connect', true],
        ['tls', true],
        ['login', false],
      ]);
      expect(result.steps.at(-1)?.error?.kind).toBe('auth');
      expect(JSON.stringify(result)).not.toContain('wrong-password-123');
    });

    it('passes a shared-mailbox user name unchanged and reports its refusal as auth', async () => {
      const result = await driver.check({ ...target(d), username: 'alice@example.com\\sharedbox' });
      expect(result.ok).toBe(false);
      expect(result.error?.kind).toBe('auth');
      // Dovecot logs the name it was given: backslash and all, not escaped or split.
      await expect
        .poll(() => readFile(d.logPath, 'utf8'), { timeout: 3000 })
        .toContain('user=<alice@example.com\\sharedbox>');
    });

    it('reports a closed port as network with one generic sentence', async () => {
      const port = await freePort();
      const result = await driver.check(target(d, { port }));
      expect(result.ok).toBe(false);
      expect(result.error).toEqual({
        kind: 'network',
        message: `Could not connect to 127.0.0.1 on port ${port}.`,
      });
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([['connect', false]]);
    });

    it('reports an untrusted self-signed certificate as tls', async () => {
      const untrusting = createImapDriver({ allow });
      const result = await untrusting.check(target(d));
      expect(result.ok).toBe(false);
      expect(result.error?.kind).toBe('tls');
      expect(result.error?.message).toMatch(/certificate is not trusted/);
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
        ['connect', true],
        ['tls', false],
      ]);
    });

    it('verifies the certificate against the host name, not the address connected to', async () => {
      // "imap.example.test" resolves to 127.0.0.1, but the certificate names only localhost and 127.0.0.1.
      const lookup: LookupAll = async () => [{ address: '127.0.0.1', family: 4 }];
      const named = createImapDriver({ allow, tls: { ca: d.caCertPem }, lookup });
      const wrongName = await named.check(target(d, { host: 'imap.example.test' }));
      expect(wrongName.error).toEqual({
        kind: 'tls',
        message: "The mail server's certificate is not valid for imap.example.test.",
      });
      const rightName = await named.check(target(d, { host: 'localhost' }));
      expect(rightName.ok).toBe(true);
    });

    it('refuses to log in when STARTTLS is required but not offered', async (ctx) => {
      if (!d.plainOnlyHost || !d.plainOnlyPort) return ctx.skip();
      const plainAllowed = createImapDriver({
        allow: parseAllowList(['127.0.0.1', d.plainOnlyHost]),
        tls: { ca: d.caCertPem },
      });
      const plain = { host: d.plainOnlyHost, port: d.plainOnlyPort };
      const result = await plainAllowed.check(target(d, { ...plain, security: 'starttls' }));
      expect(result.error).toEqual({
        kind: 'tls',
        message: `The mail server does not offer STARTTLS on port ${d.plainOnlyPort}. Choose another secure connection setting.`,
      });
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
        ['connect', true],
        ['tls', false],
      ]);
      expect((await plainAllowed.check(target(d, { ...plain, security: 'none' }))).ok).toBe(true);
    });

    it('reports TLS spoken to the plain port as tls', async () => {
      const result = await driver.check(target(d, { port: d.imapPort, security: 'tls' }));
      expect(result.error?.kind).toBe('tls');
    });

    it('refuses a loopback server that is not allow-listed, before connecting', async () => {
      const guarded = createImapDriver({ allow: parseAllowList([]), tls: { ca: d.caCertPem } });
      const result = await guarded.check(target(d));
      expect(result.ok).toBe(false);
      expect(result.error).toEqual({
        kind: 'blocked_host',
        message: 'The mail server address is not allowed: it points to the relay’s own machine.',
        field: 'imap.host',
      });
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([['connect', false]]);
      expect((await failure(guarded.open(target(d)))).kind).toBe('blocked_host');
    });

    it('refuses plain IMAP to a server that is not allow-listed', async () => {
      const lookup: LookupAll = async () => [{ address: '93.184.216.34', family: 4 }];
      const publicDriver = createImapDriver({ allow, lookup });
      const result = await publicDriver.check(
        target(d, { host: 'imap.example.com', port: 143, security: 'none' }),
      );
      expect(result.error).toEqual({
        kind: 'blocked_host',
        message: 'An unencrypted connection is only allowed to servers listed in RELAY_ALLOW_HOSTS.',
        field: 'imap.security',
      });
    });

    it('reports an unknown host name as dns', async () => {
      const lookup: LookupAll = async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      };
      const result = await createImapDriver({ allow, lookup }).check(target(d, { host: 'nowhere.example' }));
      expect(result.error).toEqual({
        kind: 'dns',
        message: 'The mail server name could not be found: nowhere.example',
        field: 'imap.host',
      });
    });
  });
});

describe('servers that do not answer', () => {
  it('a resolver that hangs gives up after connectTimeoutMs', async () => {
    const lookup: LookupAll = () => new Promise(() => undefined);
    const result = await createImapDriver({ allow, lookup, connectTimeoutMs: 200 }).check({
      imap: { host: 'slow.example', port: 993, security: 'tls' },
      username: 'alice',
      credentials: { type: 'password', password: 'alice-secret' },
    });
    expect(result.error).toEqual({
      kind: 'dns',
      message: 'The mail server name could not be resolved in time: slow.example',
      field: 'imap.host',
    });
    expect(result.steps).toMatchObject([{ step: 'connect', ok: false }]);
  });

  let server: Server;
  let port: number;
  let greet = false;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Greets when `greet` is set, and answers no command at all.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      if (greet) socket.write('* OK ready\r\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const check = (security: Security, opts: { connectTimeoutMs?: number; commandTimeoutMs?: number }) =>
    createImapDriver({ allow, ...opts }).check({
      imap: { host: '127.0.0.1', port, security },
      username: 'alice',
      credentials: { type: 'password', password: 'alice-secret' },
    });

  it('a silent TLS handshake is a connect failure with the generic sentence', async () => {
    greet = false;
    const result = await check('tls', { connectTimeoutMs: 300 });
    expect(result.error).toEqual({
      kind: 'network',
      message: `Could not connect to 127.0.0.1 on port ${port}.`,
    });
  });

  it('no greeting is a timeout that hints at the port and security setting', async () => {
    greet = false;
    const result = await check('none', { connectTimeoutMs: 300 });
    expect(result.error?.kind).toBe('timeout');
    expect(result.error?.message).toMatch(/did not answer like an IMAP server on port \d+/);
  });

  it('an unanswered command is a timeout after commandTimeoutMs', async () => {
    greet = true;
    const started = performance.now();
    const result = await check('none', { commandTimeoutMs: 300 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.error).toEqual({
      kind: 'timeout',
      message: 'The mail server 127.0.0.1 did not answer in time.',
    });
    expect(result.steps.at(-1)?.step).toBe('login');
  });
});
