import { connect } from 'node:net';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { startFaultProxy, type FaultProxy } from '../helpers/imap-fault-proxy.js';

function mail(n: number, body = `Invoice number ${n}.`): string {
  return `From: rechnung@example.com\r\nTo: alice@example.com\r\nSubject: Rechnung ${n}\r\n\r\n${body}\r\n`;
}

/** UIDs 1-6 are small; UID 7 is large enough to be cut inside its literal. */
const SMALL = [1, 2, 3, 4, 5, 6].map((n) => mail(n));
const BIG = mail(7, `${'y'.repeat(76)}\r\n`.repeat(400));
const BIG_UID = 7;

interface Observed {
  client: ImapFlow;
  /** What imapflow logged at warn/error level: commands that return false only say why here. */
  logged: { err?: { code?: string; message?: string } }[];
  errors: (Error & { code?: string })[];
  closed: Promise<void>;
}

describe('imap fault proxy', () => {
  let dovecot: Dovecot;
  let proxy: FaultProxy;

  const open = async (overrides: Partial<ImapFlowOptions> = {}): Promise<Observed> => {
    const logged: Observed['logged'] = [];
    const errors: Observed['errors'] = [];
    const keep = (entry: Observed['logged'][number]) => void logged.push(entry);
    const client = new ImapFlow({
      host: proxy.host,
      port: proxy.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'alice', pass: 'alice-secret' },
      logger: { debug: () => {}, info: () => {}, warn: keep, error: keep },
      ...overrides,
    });
    client.on('error', (err: Error) => errors.push(err));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await client.connect();
    return { client, logged, errors, closed };
  };
  const codes = (o: Observed) => o.logged.map((entry) => entry.err?.code).filter(Boolean);

  beforeAll(async () => {
    dovecot = await startDovecot();
    if (!dovecot.plainOnlyHost || !dovecot.plainOnlyPort) throw new Error('no plain-only port');
    await dovecot.createFolder('alice', 'Imported');
    await dovecot.createFolder('alice', 'Ärger & Co');
    await dovecot.appendMessages('alice', 'INBOX', [...SMALL, BIG]);
    proxy = await startFaultProxy({ host: dovecot.plainOnlyHost, port: dovecot.plainOnlyPort });
  }, 30_000);

  afterEach(() => proxy?.disarm());

  afterAll(async () => {
    await proxy?.close();
    await dovecot?.stop();
  });

  it('passes listing, fetching, searching, appending and moving through unchanged', async () => {
    const since = proxy.commands().length;
    const { client } = await open();
    const paths = (await client.list()).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['INBOX', 'Imported', 'Ärger & Co']));
    await client.mailboxOpen('INBOX');
    const big = await client.fetchOne(String(BIG_UID), { source: true }, { uid: true });
    expect(big && big.source?.toString()).toBe(BIG);
    // imapflow sends a literal of up to 4096 bytes as LITERAL+ `{n+}`, a longer one as `{n}` + `+`.
    await client.append('Ärger & Co', mail(8));
    await client.append('Ärger & Co', BIG);
    // A non-ASCII search key goes as a literal too.
    expect(await client.search({ body: 'Übersicht' }, { uid: true })).toEqual([]);
    expect(await client.messageMove('6', 'Ärger & Co', { uid: true })).toBeTruthy();
    await client.logout();
    expect(await dovecot.messageCount('alice', 'Ärger & Co')).toBe(3);
    const verbs = proxy
      .commands()
      .slice(since)
      .map((c) => c.slice(c.indexOf(' ') + 1));
    expect(verbs).toEqual(
      expect.arrayContaining(['AUTHENTICATE', 'APPEND', 'UID SEARCH', 'UID MOVE', 'LOGOUT']),
    );
  });

  it('loses the OK of a UID COPY that Dovecot carried out (reset)', async () => {
    const o = await open();
    await o.client.mailboxOpen('INBOX');
    proxy.arm({ moment: { at: 'after-ok', command: 'UID COPY' }, action: 'reset' });
    // imapflow returns false and tells why only to its logger and its 'error' event.
    expect(await o.client.messageCopy('1:2', 'Imported', { uid: true })).toBe(false);
    await proxy.fired();
    await o.closed;
    expect(o.errors.map((e) => e.code)).toEqual(['ECONNRESET']);
    expect(codes(o)).toContain('NoConnection');
    expect(o.client.usable).toBe(false);
    expect(await dovecot.messageCount('alice', 'Imported')).toBe(2);
  });

  it('loses the OK of a UID MOVE that Dovecot carried out (reset)', async () => {
    const o = await open();
    await o.client.mailboxOpen('INBOX');
    proxy.arm({ moment: { at: 'after-ok', command: 'uid move' }, action: 'reset' });
    expect(await o.client.messageMove('3', 'Imported', { uid: true })).toBe(false);
    await proxy.fired();
    await o.closed;
    expect(o.errors.map((e) => e.code)).toEqual(['ECONNRESET']);
    expect(o.client.usable).toBe(false);
    expect(await dovecot.messageCount('alice', 'Imported')).toBe(3);
    expect(await dovecot.listUids('alice', 'INBOX')).not.toContain(3);
  });

  it('answers a UID STORE with garbage instead of its OK', async () => {
    const o = await open();
    await o.client.mailboxOpen('INBOX');
    proxy.arm({ moment: { at: 'after-ok', command: 'UID STORE' }, action: 'garbage' });
    expect(await o.client.messageFlagsAdd('1', ['\\Seen'], { uid: true })).toBe(false);
    await proxy.fired();
    await o.closed;
    // imapflow only logs lines it cannot parse; what ends the command is the FIN after them.
    expect(codes(o)).toEqual(expect.arrayContaining(['ParserError2', 'NoConnection']));
    expect(o.errors).toEqual([]);
    expect(o.client.usable).toBe(false);
  });

  it('stalls inside a FETCH literal until the client times out', async () => {
    const o = await open({ socketTimeout: 1_000 });
    await o.client.mailboxOpen('INBOX');
    proxy.arm({ moment: { at: 'mid-literal', afterBytes: 1_000 }, action: 'stall' });
    const fetching = o.client.fetchOne(String(BIG_UID), { source: true }, { uid: true });
    await proxy.fired();
    await expect(fetching).rejects.toMatchObject({ code: 'NoConnection', command: 'UID FETCH' });
    await o.closed;
    expect(o.errors).toMatchObject([{ code: 'ETIMEOUT', message: 'Socket timeout' }]);
    expect(o.client.usable).toBe(false);
  });

  for (const [action, events] of [
    ['garbage', []],
    ['reset', ['ECONNRESET']],
  ] as const) {
    it(`never hands out a cut message (mid-literal ${action})`, async () => {
      const o = await open();
      await o.client.mailboxOpen('INBOX');
      proxy.arm({ moment: { at: 'mid-literal', afterBytes: 1_000 }, action });
      const got: unknown[] = [];
      const fetching = (async () => {
        for await (const msg of o.client.fetch(String(BIG_UID), { source: true }, { uid: true }))
          got.push(msg);
      })();
      await expect(fetching).rejects.toMatchObject({ code: 'NoConnection', command: 'UID FETCH' });
      await proxy.fired();
      await o.closed;
      expect(got).toEqual([]);
      expect(o.errors.map((e) => e.code)).toEqual(events);
      expect(o.client.usable).toBe(false);
    });
  }

  it('lets the next connection through untouched after a fault fired', async () => {
    const before = proxy.connections();
    const { client } = await open();
    await client.mailboxOpen('INBOX');
    const big = await client.fetchOne(String(BIG_UID), { source: true }, { uid: true });
    expect(big && big.source?.toString()).toBe(BIG);
    await client.logout();
    expect(proxy.connections()).toBe(before + 1);
  });

  it('follows client literals and SASL lines, and logs no credentials', async () => {
    const raw = await rawSession(proxy);
    // Synchronising literals: the client waits for `+` before each one (RFC 9051 §4.3).
    await raw.send('r1 LOGIN {5}\r\n', /^\+ /m);
    await raw.send('alice {12}\r\n', /^\+ /m);
    await raw.send('alice-secret\r\n', /^r1 OK/m);
    // LITERAL+ (RFC 7888): the name follows at once; 'Ärger & Co' in modified UTF-7 (RFC 3501 §5.1.3).
    await raw.send('r2 SELECT {15+}\r\n&AMQ-rger &- Co\r\n', /^r2 OK/m);
    // Refused before its `+`, so the literal never comes and the next line is a command again.
    await raw.send('r3 APPEND Nowhere {5}\r\n', /^r3 NO/m);
    await raw.send('r4 NOOP\r\n', /^r4 OK/m);
    raw.socket.destroy();
    const sasl = await rawSession(proxy);
    await sasl.send('s1 AUTHENTICATE PLAIN\r\n', /^\+/m);
    await sasl.send(`${Buffer.from('\0alice\0alice-secret').toString('base64')}\r\n`, /^s1 OK/m);
    await sasl.send('s2 IDLE\r\n', /^\+ idling/m);
    await sasl.send('DONE\r\n', /^s2 OK/m);
    await sasl.send('s3 LOGOUT\r\n', /^s3 OK/m);

    // The whole log so far, imapflow's AUTHENTICATE PLAIN of the tests above included.
    const log = proxy.commands();
    expect(log).toEqual(
      expect.arrayContaining(['r1 LOGIN', 'r2 SELECT', 'r3 APPEND', 'r4 NOOP', 's1 AUTHENTICATE', 's2 IDLE']),
    );
    for (const entry of log) expect(entry).toMatch(/^\w+ [A-Z]+( [A-Z]+)?$/);
    expect(log.join('\n')).not.toMatch(/secret|alice|AGFsaWNl|DONE/i);
  });

  it('fires after the OK of a command whose arguments were literals', async () => {
    const raw = await rawSession(proxy);
    await raw.send('c1 LOGIN alice alice-secret\r\n', /^c1 OK/m);
    await raw.send('c2 SELECT INBOX\r\n', /^c2 OK/m);
    proxy.arm({ moment: { at: 'after-ok', command: 'UID COPY' }, action: 'reset' });
    await raw.send('c3 UID COPY 4 {8}\r\n', /^\+ /m);
    await expect(raw.send('Imported\r\n', /^c3 OK/m)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(raw.received()).not.toMatch(/^c3 /m);
    expect(await dovecot.messageCount('alice', 'Imported')).toBe(4);
  });
});

/** A bare socket speaking IMAP by hand, to send exactly the literals a test wants. */
async function rawSession(proxy: FaultProxy) {
  const socket = connect(proxy.port, proxy.host);
  let text = '';
  let failure: Error | undefined;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((w) => w());
  socket.on('data', (d: Buffer) => ((text += d.toString('latin1')), wake()));
  socket.on('error', (e) => ((failure = e), wake()));
  socket.on('close', () => ((failure ??= new Error('closed')), wake()));
  /** Writes `data`, then waits until what arrived since matches `until`. */
  const send = (data: string, until: RegExp): Promise<string> => {
    const from = text.length;
    socket.write(data);
    return new Promise((resolve, reject) => {
      const check = () => {
        const seen = text.slice(from);
        if (until.test(seen)) resolve(seen);
        else if (failure) reject(failure);
        else return;
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  };
  await send('', /^\* OK/m);
  return { socket, send, received: () => text };
}
