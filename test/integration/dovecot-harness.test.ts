import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';

function client(server: Dovecot, overrides: Partial<ImapFlowOptions> = {}): ImapFlow {
  return new ImapFlow({
    host: server.host,
    port: server.imapsPort,
    secure: true,
    tls: { ca: server.caCertPem },
    auth: { user: 'alice', pass: 'alice-secret' },
    logger: false,
    ...overrides,
  });
}

function mail(subject: string, body = 'hello'): string {
  return `From: sender@example.com\r\nTo: alice@example.com\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;
}

async function subjectsByUid(c: ImapFlow, folder: string): Promise<[number, string][]> {
  const lock = await c.getMailboxLock(folder);
  try {
    const rows: [number, string][] = [];
    for await (const msg of c.fetch('1:*', { uid: true, envelope: true })) {
      rows.push([msg.uid, msg.envelope?.subject ?? '']);
    }
    return rows.sort((a, b) => a[0] - b[0]);
  } finally {
    lock.release();
  }
}

describe('dovecot harness', () => {
  let server: Dovecot;

  beforeAll(async () => {
    server = await startDovecot();
    await server.createFolder('alice', 'Rechnungen/Eingang-Ü');
    await server.createFolder('alice', 'R&D');
    await server.createFolder('alice', 'Ärger & Co');
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('logs in over IMAPS with the generated CA and lists Unicode folders', async () => {
    const c = client(server);
    await c.connect();
    const paths = (await c.list()).map((f) => f.path);
    await c.logout();
    expect(paths).toEqual(expect.arrayContaining(['INBOX', 'Rechnungen/Eingang-Ü', 'R&D', 'Ärger & Co']));
  });

  it('upgrades the plain port with STARTTLS', async () => {
    const c = client(server, { port: server.imapPort, secure: false });
    await c.connect();
    expect(c.secureConnection).toBe(true);
    await c.logout();
  });

  it('offers a port without STARTTLS', async () => {
    expect(server.plainOnlyPort).toBeTypeOf('number');
    const c = client(server, { host: server.plainOnlyHost, port: server.plainOnlyPort, secure: false });
    await c.connect();
    expect(c.secureConnection).toBe(false);
    await c.logout();
  });

  it('rejects a wrong password quickly', async () => {
    const started = Date.now();
    const c = client(server, { auth: { user: 'alice', pass: 'wrong' } });
    await expect(c.connect()).rejects.toMatchObject({ authenticationFailed: true });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('appends single messages and deletes folders', async () => {
    await server.createFolder('bob', 'Temp/Sub');
    await server.appendMessage('bob', 'Temp/Sub', mail('one'));
    await server.appendMessage('bob', 'Temp/Sub', Buffer.from(mail('two')));
    expect(await server.messageCount('bob', 'Temp/Sub')).toBe(2);
    expect(await server.listUids('bob', 'Temp/Sub')).toEqual([1, 2]);
    // doveadm runs as root but must leave files the IMAP processes (nobody) can own.
    const cur = path.join(server.dir, 'mail/bob/Temp/Sub/new');
    for (const name of await readdir(cur)) expect((await stat(path.join(cur, name))).uid).toBe(65534);
    await server.deleteFolder('bob', 'Temp');
    await expect(server.messageCount('bob', 'Temp/Sub')).rejects.toThrow();
  });

  it('seeds messages in the given UID order', async () => {
    const raws = Array.from({ length: 50 }, (_, i) => mail(`seed ${i}`));
    await server.appendMessages('alice', 'R&D', raws);
    expect(await server.listUids('alice', 'R&D')).toEqual(raws.map((_, i) => i + 1));
    // A second batch goes after the first.
    await server.appendMessages('alice', 'R&D', [mail('late 0'), mail('late 1')]);
    const c = client(server);
    await c.connect();
    const rows = await subjectsByUid(c, 'R&D');
    await c.logout();
    expect(rows.map(([, s]) => s)).toEqual([...raws.map((_, i) => `seed ${i}`), 'late 0', 'late 1']);
  });

  it('seeds 2,000 messages of 100 KB within seconds', async () => {
    const body = `${'x'.repeat(76)}\r\n`.repeat(1_300);
    const raws = Array.from({ length: 2_000 }, (_, i) => Buffer.from(mail(`bulk ${i}`, body)));
    const started = Date.now();
    await server.appendMessages('alice', 'INBOX', raws);
    const ms = Date.now() - started;
    console.log(`seeded 2000 x ${raws[0]?.length} bytes in ${ms} ms`);
    expect(await server.messageCount('alice', 'INBOX')).toBe(2_000);
    expect(ms).toBeLessThan(15_000);
  }, 60_000);

  it('changes UIDVALIDITY for the next session', async () => {
    const uidValidity = async (): Promise<bigint> => {
      const c = client(server);
      await c.connect();
      const value = (await c.mailboxOpen('Ärger & Co')).uidValidity;
      await c.logout();
      return value;
    };
    const before = await uidValidity();
    const bumped = await server.bumpUidValidity('alice', 'Ärger & Co');
    // A session that was already logged in may keep seeing the old value: Dovecot caches open indexes.
    const after = await uidValidity();
    expect(after).not.toBe(before);
    expect(after).toBe(BigInt(bumped));
  });
});

describe('dovecot harness without MOVE and UIDPLUS', () => {
  let server: Dovecot;

  beforeAll(async () => {
    server = await startDovecot({ capabilitiesWithout: ['MOVE', 'UIDPLUS'] });
    await server.createFolder('alice', 'Archiv');
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('hides the capabilities and imapflow still moves by COPY + EXPUNGE', async () => {
    expect(server.capabilities).not.toContain('MOVE');
    expect(server.capabilities).not.toContain('UIDPLUS');
    expect(server.capabilities).toContain('IDLE');
    await server.appendMessages('alice', 'INBOX', [mail('to move')]);
    const c = client(server);
    await c.connect();
    expect(c.capabilities.has('MOVE')).toBe(false);
    expect(c.capabilities.has('UIDPLUS')).toBe(false);
    const lock = await c.getMailboxLock('INBOX');
    try {
      await c.messageMove('1:*', 'Archiv', { uid: true });
    } finally {
      lock.release();
    }
    await c.logout();
    expect(await server.messageCount('alice', 'INBOX')).toBe(0);
    expect(await server.messageCount('alice', 'Archiv')).toBe(1);
  });
});
