/** The PostgreSQL adapter's own checks: migrations, the lock, errors, and each repository once. */
import { inspect } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDue } from '../../../relay/store/postgres/due-mailboxes.js';
import { IMPORT_QUEUE, migrate, schemaIsCurrent } from '../../../relay/store/postgres/migrate.js';
import { openPostgresStores } from '../../../relay/store/postgres/open-postgres.js';
import type { Stores } from '../../../relay/store/repository.js';
import { psql, startPostgres, type Postgres } from '../../helpers/postgres.js';
import { testClock } from './backends.js';
import { alert, consent, entry, expectRelayError, imapMailbox, run } from './fixtures.js';

type PgStores = Stores & { pool: pg.Pool };

describe('postgres store', () => {
  let server: Postgres;
  let databases = 0;
  const opened: PgStores[] = [];

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await server?.stop();
  });

  const newDatabase = () => server.createDatabase(`smoke${++databases}`);

  async function open(now?: () => number): Promise<PgStores> {
    const url = await newDatabase();
    await migrate(url);
    const stores = await openPostgresStores(url, now ? { now } : {});
    opened.push(stores);
    return stores;
  }

  it('migrates a new database once; a second migrate changes nothing', async () => {
    const url = await newDatabase();
    expect(await schemaIsCurrent(url)).toBe(false);
    const lines: Record<string, unknown>[] = [];
    expect(await migrate(url, (l) => lines.push(l))).toEqual({ applied: ['1796194800000_initial'] });
    expect(lines).toContainEqual({ event: 'migrate.queue_created', queue: IMPORT_QUEUE });
    expect(await schemaIsCurrent(url)).toBe(true);
    expect(await migrate(url)).toEqual({ applied: [] });
    const [queue] = await psql(
      url,
      'SELECT policy, retry_limit, expire_seconds FROM pgboss.queue WHERE name = $1',
      [IMPORT_QUEUE],
    );
    expect(queue).toEqual({ policy: 'short', retry_limit: '0', expire_seconds: String(4 * 3600) });
  });

  it('lets one of three concurrent migrations run while the others wait', async () => {
    const url = await newDatabase();
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 0, 1]);
    expect(await schemaIsCurrent(url)).toBe(true);
  });

  it('refuses a database without the schema, naming the command that makes it', async () => {
    const url = await newDatabase();
    const e = await openPostgresStores(url).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'RelayError', kind: 'config' });
    expect((e as Error).message).toContain('npm run relay -- migrate');
  });

  it('reports a database it cannot reach in words, without the password', async () => {
    const url = `postgres://relay:s3cr3t-pw@127.0.0.1:1/relay`;
    for (const attempt of [openPostgresStores(url), migrate(url)]) {
      const e = await attempt.catch((x: unknown) => x);
      expect(e).toMatchObject({ name: 'RelayError', kind: 'network' });
      expect((e as Error).message).toMatch(/127\.0\.0\.1:1 .*refused/);
      expect(inspect(e, { depth: 10 })).not.toContain('s3cr3t-pw');
    }
  });

  it('names a missing database as a configuration fault', async () => {
    const url = `postgres://relay:s3cr3t-pw@127.0.0.1:${server.port}/no_such_db`;
    const e = await openPostgresStores(url).catch((x: unknown) => x);
    expect(e).toMatchObject({ name: 'RelayError', kind: 'config', adminFault: true });
    expect((e as Error).message).toContain('(database no_such_db)');
    expect(inspect(e, { depth: 10 })).not.toContain('s3cr3t-pw');
  });

  it('keeps mailboxes, consents, tokens, and the due column the scheduler claims from', async () => {
    const s = await open();
    const a = imapMailbox();
    const b = imapMailbox({ autoProcessing: false });
    await s.mailboxes.insert(a);
    await s.mailboxes.insert(b);
    await expectRelayError(s.mailboxes.insert(a), 'conflict');
    expect(await s.mailboxes.list()).toEqual([a, b]);
    const due = async () =>
      (await s.pool.query('SELECT id, next_run FROM mailboxes WHERE next_run IS NOT NULL')).rows;
    expect(await due()).toEqual([{ id: a.id, next_run: a.state.nextRun }]);
    const enqueued: string[] = [];
    const claimed = await claimDue(
      s.pool,
      '2026-12-02T07:06:00.000Z',
      10,
      () => '2026-12-02T07:10:00.000Z',
      async (c, ms) => {
        await c.query('SELECT 1');
        enqueued.push(...ms.map((m) => m.id));
      },
    );
    expect(claimed).toEqual([a]);
    expect(enqueued).toEqual([a.id]);
    expect((await s.mailboxes.get(a.id))?.state.nextRun).toBe('2026-12-02T07:10:00.000Z');
    await s.mailboxes.update(a.id, (m) => ({ ...m, state: { ...m.state, paused: true } }));
    expect(await due()).toEqual([]);

    await s.consents.recordConsent(consent('t1'));
    await s.consents.recordConsent(consent('t2'));
    await s.consents.recordConsent(consent('t1', '2026-12-02T09:00:00.000Z'));
    expect(await s.consents.listConsents()).toEqual([
      consent('t2'),
      consent('t1', '2026-12-02T09:00:00.000Z'),
    ]);

    const { id, token } = await s.tokens.create('anna', ['admin']);
    expect(token).toMatch(/^mc_[\w-]{43}$/);
    expect(await s.tokens.verify(token)).toEqual({ user: 'anna', roles: ['admin'], tokenId: id });
    await s.tokens.revoke(id.slice(0, 8));
    expect(await s.tokens.verify(token)).toBeNull();
    await expectRelayError(s.tokens.revoke('nope'), 'not_found');
  });

  it('takes an OAuth state once, from any relay; a wrong token spends it', async () => {
    const clock = testClock();
    const s = await open(clock.now);
    const flow = {
      kind: 'connect' as const,
      provider: 'google' as const,
      tokenId: 't',
      redirectUri: 'https://x/google',
      codeVerifier: 'v',
    };
    const state = await s.flows.create(flow);
    const [row] = (await s.pool.query('SELECT state_sha256 FROM oauth_states')).rows;
    expect(row.state_sha256).not.toContain(state);
    expect(await s.flows.take(state, 't', 'connect')).toEqual({ ...flow, expiresAt: clock.now() + 600_000 });
    await expectRelayError(s.flows.take(state, 't', 'connect'), 'validation', 'state');
    const other = await s.flows.create(flow);
    await expectRelayError(s.flows.take(other, 'someone else', 'connect'), 'validation', 'state');
    await expectRelayError(s.flows.take(other, 't', 'connect'), 'validation', 'state');
    const late = await s.flows.create(flow);
    clock.advance(600_001);
    await expectRelayError(s.flows.take(late, 't', 'connect'), 'validation', 'state');
  });

  it('keeps backoff, the ledger and runs, and remove() takes all of a mailbox with it', async () => {
    const s = await open();
    const m = imapMailbox();
    await s.mailboxes.insert(m);
    await s.backoff.set(m.id, { count: 2, until: Date.parse('2026-12-02T07:30:00.123Z') });
    expect(await s.backoff.get(m.id)).toEqual({ count: 2, until: Date.parse('2026-12-02T07:30:00.123Z') });

    const ledger = await s.ledger.open(m.id, { now: new Date('2026-12-02T07:00:00.000Z') });
    // U+0000 is what jsonb and text refuse; a malformed mail may carry it.
    const odd = entry({ uid: 3, messageId: '<a\0b@example.com>', status: 'decided', runId: 'r2' });
    const big = entry({ uid: 4_294_967_295, status: 'retrying', runId: 'r2' });
    await ledger.record([entry({ uid: 1 }), entry({ uid: 2, status: 'decided' }), odd, big]);
    expect([...(await ledger.lookup('INBOX', '1700000000', [4_294_967_295, 1, 9])).keys()]).toEqual([
      4_294_967_295, 1,
    ]);
    expect(await ledger.entriesIn('INBOX', '1700000000', 'decided')).toEqual([
      entry({ uid: 2, status: 'decided' }),
      odd,
    ]);
    expect(await ledger.writtenBy('r2')).toEqual([odd, big]);
    expect(await ledger.findSameMail('<a\0b@example.com>', 'sha-3')).toEqual(odd);
    expect(await ledger.findSameMail(big.messageId, 'sha-4294967295')).toBeUndefined();
    await ledger.close();
    const later = await s.ledger.open(m.id, { now: new Date('2027-02-01T00:00:00.000Z') });
    expect(await later.lookup('INBOX', '1700000000', [1, 2])).toEqual(
      new Map([[2, entry({ uid: 2, status: 'decided' })]]),
    );

    await s.runs.save(run({ id: '20261202T070000000Z-0001', mailboxId: m.id, status: 'running', mails: [] }));
    expect((await s.runs.leftRunning()).map((r) => r.id)).toEqual(['20261202T070000000Z-0001']);
    const done = run({ id: '20261202T070000000Z-0001', mailboxId: m.id });
    done.mails[0]!.subject = 'Rechnung \0 117';
    await s.runs.save(done);
    expect(await s.runs.get(done.id)).toEqual(done);
    for (let i = 2; i <= 51; i++)
      await s.runs.save(run({ id: `20261202T0700${String(i).padStart(2, '0')}000Z-0001`, mailboxId: m.id }));
    const list = await s.runs.list(m.id);
    expect(list).toHaveLength(50);
    expect(list[0]?.id).toBe('20261202T070051000Z-0001');
    expect(await s.runs.get(done.id)).toBeUndefined();

    expect(await s.mailboxes.remove(m.id)).toBe(true);
    for (const table of ['ledger', 'runs', 'run_mails', 'schedule_backoff'])
      expect((await s.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows).toEqual([{ n: 0 }]);
    expect(await s.mailboxes.remove(m.id)).toBe(false);
  });

  it('keeps one open alert per key, across relays', async () => {
    const s = await open();
    const a = alert({ id: 'a1', key: 'mailbox:m:state' });
    await s.alerts.save(a);
    await expectRelayError(s.alerts.save(alert({ id: 'a2', key: 'mailbox:m:state' })), 'conflict');
    const resolved = { ...a, status: 'resolved' as const, resolvedAt: new Date().toISOString() };
    await s.alerts.save(resolved);
    await s.alerts.save(alert({ id: 'a2', key: 'mailbox:m:state' }));
    expect((await s.alerts.all()).map((x) => x.id)).toEqual(['a1', 'a2']);
  });

  it('holds a run lock on one connection; it is lost when that connection dies', async () => {
    const s = await open();
    const lock = await s.locks.tryLock('m1');
    expect(lock?.lost).toBe(false);
    expect(await s.locks.tryLock('m1')).toBeNull();
    await lock?.release();
    await lock?.release();
    const again = await s.locks.tryLock('m1');
    expect(again).not.toBeNull();
    await s.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()",
    );
    await expect.poll(() => again?.lost).toBe(true);
    expect(await s.locks.tryLock('m1')).not.toBeNull();
  });

  it('dumps everything and loads it into an empty database only', async () => {
    const from = await open();
    const m = imapMailbox();
    await from.mailboxes.insert(m);
    await from.consents.recordConsent(consent('t1'));
    await from.tokens.create('anna', []);
    const ledger = await from.ledger.open(m.id);
    await ledger.record([entry({ uid: 1, status: 'decided' })]);
    await from.runs.save(run({ id: 'r1', mailboxId: m.id }));
    await from.alerts.save(alert({ id: 'a1' }));
    const dump = await from.dump();
    expect(dump).toMatchObject({
      from: 'postgres',
      mailboxes: [m],
      ledger: { [m.id]: [entry({ uid: 1, status: 'decided' })] },
    });

    const to = await open();
    await to.load(dump);
    expect({ ...(await to.dump()), exportedAt: dump.exportedAt }).toEqual(dump);
    await expectRelayError(to.load(dump), 'conflict');
  });
});
