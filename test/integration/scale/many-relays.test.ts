/**
 * Three relay processes on one PostgreSQL, importing 200+ mailboxes of one Dovecot (DESIGN §5).
 *
 * Every mailbox is its own Dovecot user (u000…u199 and a few per test), so every IMAP session in
 * Dovecot's log is one mailbox's: the relay opens exactly one connection per run, and nothing else
 * logs in as these users (the harness's own start-up login is the extra user "probe"). That makes
 * "no two sessions of one mailbox at the same time" checkable from Dovecot's side, not only from
 * the run history the relays write themselves.
 *
 * The API accepts 5-field cron expressions only (shared/schedule.ts: "a seconds field would let
 * one mailbox poll its server every second"), so the shortest schedule is every minute and every
 * scheduled mailbox is due at the same second: the relays see a burst of 200+ jobs at each minute.
 * The tests are ordered around those bursts: the ones needing no schedule run first, while the
 * first minute approaches; the burst test waits for the next minute; the kill test's takeover
 * happens at the minute after.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildMail, pdfBytes } from '../../fixtures/corpus.js';
import { type Dovecot, startDovecot } from '../../helpers/dovecot.js';
import { type HttpReceiver, startHttpReceiver } from '../../helpers/http-receiver.js';
import { type Postgres, startPostgres } from '../../helpers/postgres.js';
import { relayCli } from '../../helpers/relay-cli.js';
import {
  deliveries,
  duplicates,
  eachLimit,
  folderContents,
  inFolder,
  overlappingRuns,
  type RunSummary,
  until,
} from './checks.js';
import { overlappingSessions, parseSessions } from './dovecot-sessions.js';
import { dropMails, maildirPaths } from './maildir-drop.js';
import { type ApiAnswer, type RelayProcess, startRelayProcess } from './relay-process.js';

const TICK_MS = 1_000;
const EVERY_MINUTE = '* * * * *';
const INTERVAL_MS = 60_000;
/** Never due while the test runs. */
const YEARLY = '0 0 1 1 *';
const SCHEDULED = 200;
const HEAVY_MAILS = 200;

const pad = (i: number) => String(i).padStart(3, '0');
const scheduledUsers = Array.from({ length: SCHEDULED }, (_, i) => `u${pad(i)}`);
const offUsers = Array.from({ length: 10 }, (_, i) => `off${pad(i)}`);
const heavyUsers = ['k0', 'k1', 'k2', 'k3'];
const FOLDER_USER = 'edit-folder';
const SCHEDULE_USER = 'edit-schedule';
const CONFLICT_USER = 'conflict';
const allUsers = [
  // startDovecot logs in as its first user once at start: that session is nobody's mailbox.
  'probe',
  ...scheduledUsers,
  ...offUsers,
  ...heavyUsers,
  FOLDER_USER,
  SCHEDULE_USER,
  CONFLICT_USER,
];

/** A small invoice mail whose Message-ID names its user and a tag: `<tag.user@scale.test>`. */
const messageId = (user: string, tag: string) => `<${tag}.${user}@scale.test>`;
const invoice = (user: string, tag: string) =>
  buildMail({
    subject: `Invoice ${tag}`,
    messageId: messageId(user, tag),
    attachments: [
      { filename: `${tag}.pdf`, content: pdfBytes(1500, `${user}-${tag}`), contentType: 'application/pdf' },
    ],
  });
const invoices = (user: string, prefix: string, n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => invoice(user, `${prefix}${i}`)));

const nextMinute = (t: number) => Math.floor(t / INTERVAL_MS) * INTERVAL_MS + INTERVAL_MS;
const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

/**
 * Waits, if need be, until the clock is not near a minute: every scheduled mailbox is due on the
 * minute, and a step that must not meet a burst (a PATCH whose "afterwards" must be clear-cut, a
 * manual run that must not race the schedule) waits for the burst to begin and pass.
 */
async function awayFromTheMinute(beforeMs = 3_000, afterMs = 8_000) {
  const now = Date.now();
  const last = nextMinute(now) - INTERVAL_MS;
  if (now - last < afterMs) await sleepUntil(last + afterMs);
  else if (nextMinute(now) - now < beforeMs) await sleepUntil(nextMinute(now) + afterMs);
}

let dir: string;
let pg: Postgres;
let dovecot: Dovecot;
let receiver: HttpReceiver;
const relays: RelayProcess[] = [];
let admin: string;
let cliEnv: Record<string, string>;
/** Dovecot user → mailbox id, and back. */
const idOf = new Map<string, string>();
const userOf = new Map<string, string>();
/** What each user's mails must end up as: Message-IDs that must be in "Imported" exactly once. */
const expected = new Map<string, string[]>();

const relay = (n: 1 | 2 | 3) => relays[n - 1]!;
const live = () => relays.filter((r) => r.alive());
const anyLive = () => live()[Math.floor(Math.random() * live().length)]!;
const mailboxId = (user: string) => idOf.get(user)!;

const mailboxBody = (user: string, over: Record<string, unknown> = {}) => ({
  provider: 'imap',
  description: `Invoices of ${user}`,
  company: 'Acme GmbH',
  access: { role: 'ap-clerk' },
  autoProcessing: true,
  schedule: EVERY_MINUTE,
  imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' },
  username: user,
  password: `pw-${user}`,
  folders: { source: 'INBOX', imported: 'Imported', notImported: 'NotImported' },
  ...over,
});

/** Every user's INBOX Maildir: arrivals there are dropped as files (maildir-drop.ts says why). */
let inboxes = new Map<string, string>();

async function append(user: string, folder: string, raws: Buffer[], remember = true) {
  const inbox = folder === 'INBOX' ? inboxes.get(user) : undefined;
  if (inbox) await dropMails(inbox, raws);
  else await dovecot.appendMessages(user, folder, raws);
  if (remember)
    expected.set(user, [
      ...(expected.get(user) ?? []),
      ...raws.map((raw) => /^Message-ID: (.*)$/im.exec(raw.toString('latin1'))![1]!.trim()),
    ]);
}

async function runsOf(user: string, via: RelayProcess = anyLive()): Promise<RunSummary[]> {
  const res = await via.call(admin, 'GET', `/api/mailboxes/${mailboxId(user)}/runs`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as RunSummary[];
}

async function runsOfAll(users: string[]): Promise<Map<string, RunSummary[]>> {
  const all = new Map<string, RunSummary[]>();
  await eachLimit(users, 6, async (u, i) => {
    all.set(u, await runsOf(u, live()[i % live().length]));
  });
  return all;
}

async function getRun(id: string, via: RelayProcess = anyLive()) {
  const res = await via.call(admin, 'GET', `/api/runs/${id}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as RunSummary & { counts: Record<string, number> };
}

/** The run as `via` reads it once it is no longer running (waits at most `ms`). */
const runEnded = (id: string, via: RelayProcess, what: string, ms: number) =>
  until(
    what,
    async () => {
      const run = await getRun(id, via);
      return run.status !== 'running' && run;
    },
    Date.now() + ms,
  );

/** Every relay's log lines of `event` since `since` (pino's epoch-ms `time`). */
const eventsSince = (event: string, since: number, of: RelayProcess[] = relays) =>
  of.flatMap((r) => r.events(event).filter((l) => l.time >= since));

/** The relays' own reports of their faults: none is expected anywhere in this file. */
function faults() {
  const bad = new Set([
    'run.bug',
    'http.bug',
    'schedule.bug',
    'schedule.tick_failed',
    'schedule.fetch_failed',
    'run.unsaved',
    'run.unclosed',
    'queue.error',
  ]);
  return relays.flatMap((r) =>
    r.lines.filter((l) => bad.has(String(l.event))).map((l) => `${r.name}: ${JSON.stringify(l)}`),
  );
}

/** Each of `users`: the source and "not imported" empty, every expected mail in "Imported" once. */
async function everyMailImportedOnce(users: string[]) {
  const contents = await folderContents(dovecot);
  for (const u of users) {
    expect(inFolder(contents, u, 'INBOX'), `${u}: left in the source`).toEqual([]);
    expect(inFolder(contents, u, 'NotImported'), `${u}: not imported`).toEqual([]);
    const imported = inFolder(contents, u, 'Imported');
    expect(duplicates(imported), `${u}: twice in Imported`).toEqual([]);
    expect([...imported].sort(), `${u}: Imported`).toEqual([...(expected.get(u) ?? [])].sort());
  }
}

/**
 * At the receiver, each expected mail of `users` accepted under exactly one Idempotency-Key, and
 * nothing else of theirs. `strict`: each key POSTed once (no crash: nothing to deliver again);
 * otherwise a key may come again (a relay killed between delivering and recording; the receiver
 * honours the key), but every POST of it was accepted.
 */
function deliveredOnce(users: string[], strict: boolean) {
  const ids = new Set(users.map(mailboxId));
  const { keysByMail, postsByKey } = deliveries(receiver, ids);
  const want = users.flatMap((u) => (expected.get(u) ?? []).map((m) => `${mailboxId(u)} ${m}`)).sort();
  expect([...keysByMail.keys()].sort()).toEqual(want);
  const twice = [...keysByMail].filter(([, keys]) => keys.length !== 1);
  expect(twice, 'mails delivered under more than one key').toEqual([]);
  const refused = [...postsByKey].filter(([, statuses]) => statuses.some((s) => s !== 200));
  expect(refused, 'POSTs the receiver did not accept').toEqual([]);
  const again = [...postsByKey].filter(([, statuses]) => statuses.length > 1);
  if (strict) expect(again, 'mails POSTed more than once').toEqual([]);
  return { again: again.length };
}

/** Dovecot's side: no user of `users` ever had two sessions open at once; returns their sessions. */
async function noTwoSessionsAtOnce(users: string[]) {
  const set = new Set(users);
  const mine = () =>
    readFile(dovecot.logPath, 'utf8').then((log) => ({
      log,
      sessions: parseSessions(log).sessions.filter((s) => set.has(s.user)),
    }));
  // The relays log out before they let go of a mailbox; Dovecot writes the line a moment later.
  const { log, sessions } = await until(
    'every IMAP session of these mailboxes to have ended in Dovecot’s log',
    async () => {
      const got = await mine();
      return got.sessions.every((s) => s.end !== null) && got;
    },
    Date.now() + 15_000,
    200,
    async () => (await mine()).sessions.filter((s) => s.end === null),
  );
  const overlaps = overlappingSessions(log).filter((o) => set.has(o.user));
  expect(overlaps.map((o) => o.lines)).toEqual([]);
  return sessions;
}

let currentTest = '';
beforeEach(({ task, onTestFailed }) => {
  currentTest = task.name;
  onTestFailed(() => {
    console.error(`\n===== relay logs after the failure of "${currentTest}" =====`);
    for (const r of relays) console.error(r.tail(30));
    console.error(`===== logs in ${dir}/logs (kept) =====`);
    keepLogs = true;
  });
});
let keepLogs = false;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mc-scale-'));
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir);
  // Each kept as soon as it is up, so afterAll stops it whichever of the others failed.
  const up = await Promise.allSettled([
    startPostgres().then((p) => (pg = p)),
    startDovecot({ users: allUsers.map((name) => ({ name, password: `pw-${name}` })) }).then(
      (d) => (dovecot = d),
    ),
    startHttpReceiver().then((r) => (receiver = r)),
  ]);
  for (const u of up) if (u.status === 'rejected') throw u.reason;
  await dovecot.doveadm(['mailbox', 'create', '-s', '-A', 'Imported', 'NotImported']);
  await dovecot.createFolder(FOLDER_USER, 'Later');
  inboxes = await maildirPaths(dovecot, 'INBOX');

  const key = randomBytes(32).toString('hex');
  const common = {
    RELAY_DATABASE_URL: pg.url,
    RELAY_SECRET_KEY: key,
    RELAY_ALLOW_HOSTS: '127.0.0.1',
    RELAY_DELIVERY_URL: receiver.url,
    RELAY_SCHEDULER_TICK_MS: String(TICK_MS),
    // The relays trust Dovecot's self-signed certificate (the mailboxes use security 'tls').
    NODE_EXTRA_CA_CERTS: dovecot.caCertPath,
  };
  cliEnv = { ...common, RELAY_DATA_DIR: path.join(dir, 'cli') };
  try {
    // Started together, as a deployment would: they migrate one after the other (schema lock).
    const started = await Promise.allSettled(
      [1, 2, 3].map(async (n) => {
        const env = { ...common, RELAY_DATA_DIR: path.join(dir, `relay${n}`) };
        relays[n - 1] = await startRelayProcess(`relay${n}`, env, logDir);
      }),
    );
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const created = relayCli(['token', 'create', '--user', 'admin', '--roles', 'admin'], cliEnv);
    const { code } = await created.exited;
    expect(code, created.err()).toBe(0);
    admin = created.out().trim();

    // The sources are filled before the mailboxes exist: a minute may pass during set-up.
    await eachLimit(scheduledUsers, 4, async (u) => append(u, 'INBOX', await invoices(u, 'seed', 2)));
    await append(FOLDER_USER, 'INBOX', await invoices(FOLDER_USER, 'stay', 2), false);
    await append(FOLDER_USER, 'Later', await invoices(FOLDER_USER, 'later', 3));
    await append(SCHEDULE_USER, 'INBOX', await invoices(SCHEDULE_USER, 'wait', 2));
    await append(CONFLICT_USER, 'INBOX', await invoices(CONFLICT_USER, 'big', HEAVY_MAILS));

    const bodies: [string, ReturnType<typeof mailboxBody>][] = [
      ...scheduledUsers.map((u) => [u, mailboxBody(u)] as [string, ReturnType<typeof mailboxBody>]),
      ...[...offUsers, ...heavyUsers].map(
        (u) => [u, mailboxBody(u)] as [string, ReturnType<typeof mailboxBody>],
      ),
      [FOLDER_USER, mailboxBody(FOLDER_USER, { autoProcessing: false })],
      [SCHEDULE_USER, mailboxBody(SCHEDULE_USER, { schedule: YEARLY })],
      [CONFLICT_USER, mailboxBody(CONFLICT_USER, { autoProcessing: false })],
    ];
    await eachLimit(bodies, 6, async ([user, body], i) => {
      const res = await relays[i % 3]!.call(admin, 'POST', '/api/mailboxes', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      idOf.set(user, res.body.id);
      userOf.set(res.body.id, user);
    });
  } catch (e) {
    for (const r of relays) if (r) console.error(r.tail(60));
    console.error(`===== logs in ${dir}/logs (kept) =====`);
    keepLogs = true;
    throw e;
  }
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(relays.filter(Boolean).map((r) => r.stop(10_000)));
  // On a failure the servers' own logs are kept beside the relays' (their dirs go with them).
  if (keepLogs && dir)
    await Promise.allSettled([
      dovecot && copyFile(dovecot.logPath, path.join(dir, 'logs', 'dovecot.log')),
      pg && copyFile(pg.logPath, path.join(dir, 'logs', 'postgres.log')),
    ]);
  await Promise.allSettled([receiver?.close(), dovecot?.stop(), pg?.stop()]);
  if (dir && !keepLogs) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('three relays on one PostgreSQL', () => {
  it('a token revoked through the CLI is refused by every relay at once', async () => {
    const created = relayCli(['token', 'create', '--user', 'ops', '--roles', 'admin'], cliEnv);
    expect((await created.exited).code, created.err()).toBe(0);
    const token = created.out().trim();
    const id = /Token (\S+) for ops/.exec(created.err())?.[1];
    expect(id, created.err()).toBeTruthy();
    for (const r of relays) {
      const me = await r.call(token, 'GET', '/api/me');
      expect(me.status, r.name).toBe(200);
      expect(me.body).toMatchObject({ user: 'ops', roles: ['admin'] });
    }

    const revoked = relayCli(['token', 'revoke', id!], cliEnv);
    expect((await revoked.exited).code, revoked.err()).toBe(0);
    // At once: the first request after the revocation, on every relay, no waiting.
    for (const r of relays) {
      const me = await r.call(token, 'GET', '/api/me');
      expect(me.status, `${r.name} after the revocation`).toBe(401);
      const list = await r.call(token, 'GET', '/api/mailboxes');
      expect(list.status, `${r.name} after the revocation`).toBe(401);
      // Only that token: the admin's still works.
      expect((await r.call(admin, 'GET', '/api/me')).status, r.name).toBe(200);
    }
  });

  it('a manual run on relay 2 (and 1) is answered 409 while relay 3 imports that mailbox', async () => {
    const id = mailboxId(CONFLICT_USER);
    const started = await relay(3).call(admin, 'POST', `/api/mailboxes/${id}/runs`);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const runId = started.body.id as string;

    const on2 = await relay(2).call(admin, 'POST', `/api/mailboxes/${id}/runs`);
    const answeredAt = Date.now();
    expect(on2.status, JSON.stringify(on2.body)).toBe(409);
    expect(on2.body.error.kind).toBe('conflict');
    const on1 = await relay(1).call(admin, 'POST', `/api/mailboxes/${id}/runs`);
    expect(on1.status).toBe(409);
    expect(on1.body.error.kind).toBe('conflict');
    const again3 = await relay(3).call(admin, 'POST', `/api/mailboxes/${id}/runs`);
    expect(again3.status).toBe(409);

    // Relay 2 reads relay 3's run from the database, live as relay 3 saved it, then its end.
    const done = await runEnded(runId, relay(2), 'the run on relay 3 to end', 60_000);
    expect(done).toMatchObject({ status: 'completed', trigger: 'manual' });
    expect(done.counts.imported).toBe(HEAVY_MAILS);
    // The 409s were answered while the run was going, not after it.
    expect(Date.parse(done.finishedAt!)).toBeGreaterThan(answeredAt);
    expect(
      relay(3)
        .events('run.start')
        .filter((l) => l.runId === runId),
    ).toHaveLength(1);

    // Once it ended, relay 2 may run it: the refusal was the running import, nothing else.
    const after = await relay(2).call(admin, 'POST', `/api/mailboxes/${id}/runs`);
    expect(after.status, JSON.stringify(after.body)).toBe(202);
    const second = await runEnded(after.body.id, relay(1), 'the second run to end', 30_000);
    expect(second).toMatchObject({ status: 'completed' });
    expect(second.counts.imported).toBe(0);

    await everyMailImportedOnce([CONFLICT_USER]);
    deliveredOnce([CONFLICT_USER], true);
    const sessions = await noTwoSessionsAtOnce([CONFLICT_USER]);
    expect(sessions).toHaveLength(2);
  });

  /** When the edits of the next test were saved; the one after it checks their effect. */
  const edits: { patchedAt?: number; scheduleAt?: number } = {};

  it('an edit saved through relay 1 is what relays 2 and 3 read at once, and what relay 2 imports by', async () => {
    // The folder: relay 2's next run reads "Later", not INBOX.
    const folderBox = mailboxId(FOLDER_USER);
    const patched = await relay(1).call(admin, 'PATCH', `/api/mailboxes/${folderBox}`, {
      description: 'Invoices, moved to Later',
      folders: { source: 'Later' },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    for (const n of [2, 3] as const) {
      const got = await relay(n).call(admin, 'GET', `/api/mailboxes/${folderBox}`);
      expect(got.body, `relay ${n}`).toMatchObject({
        description: 'Invoices, moved to Later',
        folders: { source: 'Later', imported: 'Imported', notImported: 'NotImported' },
      });
    }
    const run = await relay(2).call(admin, 'POST', `/api/mailboxes/${folderBox}/runs`);
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    const done = await runEnded(run.body.id, relay(2), 'the run on relay 2 to end', 30_000);
    expect(done).toMatchObject({ status: 'completed', counts: { imported: 3 } });
    const contents = await folderContents(dovecot);
    expect(inFolder(contents, FOLDER_USER, 'Later')).toEqual([]);
    expect(inFolder(contents, FOLDER_USER, 'INBOX')).toHaveLength(2);
    expect([...inFolder(contents, FOLDER_USER, 'Imported')].sort()).toEqual(
      [...expected.get(FOLDER_USER)!].sort(),
    );
    deliveredOnce([FOLDER_USER], true);

    // Auto processing off, through relay 1, for mailboxes due every minute; off at once everywhere.
    await awayFromTheMinute();
    await eachLimit(offUsers, 5, async (u) => {
      const res = await relay(1).call(admin, 'PATCH', `/api/mailboxes/${mailboxId(u)}`, {
        autoProcessing: false,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    });
    edits.patchedAt = Date.now();
    for (const u of offUsers)
      for (const n of [2, 3] as const) {
        const got = await relay(n).call(admin, 'GET', `/api/mailboxes/${mailboxId(u)}`);
        expect(got.body.autoProcessing, `${u} on relay ${n}`).toBe(false);
      }
    // Mails arrive after the switch: nothing may take them.
    await eachLimit(offUsers, 4, async (u) => append(u, 'INBOX', await invoices(u, 'after-off', 2), false));

    // A schedule that never came due, made every minute through relay 1.
    const scheduleBox = mailboxId(SCHEDULE_USER);
    const before = await relay(2).call(admin, 'GET', `/api/mailboxes/${scheduleBox}`);
    expect(Date.parse(before.body.state.nextRun)).toBeGreaterThan(Date.now() + 24 * 3600_000);
    const changed = await relay(1).call(admin, 'PATCH', `/api/mailboxes/${scheduleBox}`, {
      schedule: EVERY_MINUTE,
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    edits.scheduleAt = Date.now();
    const seen: string[] = [];
    for (const n of [2, 3] as const) {
      const got = await relay(n).call(admin, 'GET', `/api/mailboxes/${scheduleBox}`);
      expect(got.body.schedule, `relay ${n}`).toBe(EVERY_MINUTE);
      seen.push(`relay ${n} at once: ${got.body.state.nextRun}`);
    }
    // The next run is stored with the edit: the answer, and every relay, show the new one.
    expect(
      Date.parse(changed.body.state.nextRun),
      `the PATCH answer; ${seen.join('; ')}`,
    ).toBeLessThanOrEqual(nextMinute(edits.scheduleAt));
    await until(
      'relay 2 to show the next run on the coming minute',
      async () => {
        const got = await relay(2).call(admin, 'GET', `/api/mailboxes/${scheduleBox}`);
        return Date.parse(got.body.state.nextRun) <= nextMinute(edits.scheduleAt!);
      },
      Date.now() + 5_000,
      100,
    );
  }, 90_000);

  it('200 mailboxes due every minute on three relays: each mail imported exactly once, never two sessions of a mailbox at once', async () => {
    const users = scheduledUsers;
    const ids = new Set(users.map(mailboxId));
    // Made before the minute, appended during its burst.
    const made = (tag: string) =>
      Promise.all(users.map(async (u): Promise<[string, Buffer[]]> => [u, [await invoice(u, tag)]]));
    const duringBurst = new Map(await made('during'));
    const afterBurst = new Map(await made('after'));
    const since = nextMinute(Date.now());
    const ranSince = () =>
      eventsSince('run.start', since).filter((l) => l.trigger === 'schedule' && ids.has(l.mailboxId!));
    await until(
      'the scheduled burst of the next minute to begin',
      () => ranSince().length > 0,
      since + 30_000,
      50,
    );

    // Mails arrive while the relays import, in four waves as the burst goes on: some before their
    // mailbox's run, some during it, some after.
    const arrivalsFrom = Date.now();
    const shuffled = [...users].sort(() => Math.random() - 0.5);
    const waves = [0, 1, 2, 3].map((w) => shuffled.filter((_, i) => i % 4 === w));
    let lastWaveAt = Infinity;
    let arrivalsUntil = Infinity;
    const arrivals = (async () => {
      for (const [w, wave] of waves.entries()) {
        await until(
          `wave ${w} of arrivals: ${w * 50} scheduled runs started`,
          () => ranSince().length >= w * 50,
          since + 40_000,
          50,
        );
        lastWaveAt = Date.now();
        await eachLimit(wave, 8, (u) => append(u, 'INBOX', duringBurst.get(u)!));
      }
      arrivalsUntil = Date.now();
    })();
    // Users press "import now" meanwhile, on any relay: started, or 409 while it runs anywhere.
    const manual: ApiAnswer[] = [];
    const pressure = eachLimit(
      Array.from({ length: 60 }, (_, i) => i),
      2,
      async () => {
        const u = users[Math.floor(Math.random() * users.length)]!;
        manual.push(await anyLive().call(admin, 'POST', `/api/mailboxes/${mailboxId(u)}/runs`));
      },
    );
    await Promise.all([arrivals, pressure]);
    expect(manual.map((a) => a.status).filter((s) => s !== 202 && s !== 409)).toEqual([]);
    for (const a of manual.filter((x) => x.status === 409)) expect(a.body.error.kind).toBe('conflict');

    // The burst is over when each mailbox's job ran, or was skipped for a run holding it.
    const handled = () => {
      const done = new Set(
        eventsSince('run.end', since)
          .filter((l) => l.trigger === 'schedule')
          .map((l) => l.mailboxId),
      );
      for (const l of eventsSince('schedule.skip', since)) if (l.reason === 'overlap') done.add(l.mailboxId);
      return users.filter((u) => !done.has(mailboxId(u)));
    };
    await until(
      'every mailbox’s scheduled job of this minute',
      () => handled().length === 0,
      since + 50_000,
      250,
      handled,
    );
    // The arrivals really met the burst: scheduled runs were still starting after the last wave
    // began, and scheduled runs of this minute imported mails that arrived during it.
    expect(ranSince().some((l) => l.time > lastWaveAt)).toBe(true);
    const tookArrivals = eventsSince('run.end', since).filter(
      (l) =>
        l.trigger === 'schedule' && ids.has(l.mailboxId!) && (l.counts as { imported: number }).imported > 0,
    ).length;
    expect(tookArrivals).toBeGreaterThan(0);
    // Any relay with a free slot takes jobs: each of the three ran part of the burst.
    const ranOn = (r: RelayProcess) => ranSince().filter((l) => r.events('run.start').includes(l)).length;
    for (const r of relays) expect(ranOn(r), r.name).toBeGreaterThan(0);

    // More mail after the burst; "import now" on any relay until every source is empty.
    await eachLimit(users, 8, (u) => append(u, 'INBOX', afterBurst.get(u)!));
    await until(
      'every source to be empty',
      async () => {
        const contents = await folderContents(dovecot);
        const waiting = users.filter((u) => inFolder(contents, u, 'INBOX').length > 0);
        // All at once: a relay takes at most 4 × its run slots of them (each waiting run holds a
        // PostgreSQL connection for its lock) and answers 429 for the rest, which are asked again.
        await eachLimit(waiting, 8, async (u, i) => {
          const via = live()[i % live().length]!;
          const res = await via.call(admin, 'POST', `/api/mailboxes/${mailboxId(u)}/runs`);
          expect([202, 409, 429], `${via.name}: ${JSON.stringify(res.body)}`).toContain(res.status);
        });
        return waiting.length === 0;
      },
      Date.now() + 90_000,
      1_000,
    );
    // And every run ended (the last ones may still be recording and logging out).
    await until(
      'no relay to be running anything',
      async () => {
        const details = await Promise.all(relays.map((r) => r.call(admin, 'GET', '/api/health/details')));
        return details.every((d) => d.body.running.length === 0);
      },
      Date.now() + 30_000,
      200,
    );

    await everyMailImportedOnce(users);
    deliveredOnce(users, true);

    const runs = await runsOfAll(users);
    const overlaps = [...runs].flatMap(([u, list]) => overlappingRuns(list).map((pair) => ({ u, pair })));
    expect(overlaps, 'runs of one mailbox overlapping').toEqual([]);
    const notCompleted = [...runs.values()].flat().filter((r) => r.status !== 'completed');
    expect(notCompleted).toEqual([]);
    for (const u of users) {
      const list = runs.get(u)!;
      const scheduled = list.filter(
        (r) =>
          r.trigger === 'schedule' &&
          Date.parse(r.startedAt) >= since &&
          Date.parse(r.startedAt) < since + INTERVAL_MS,
      );
      const skipped = eventsSince('schedule.skip', since).some((l) => l.mailboxId === mailboxId(u));
      expect(
        scheduled.length === 1 || (scheduled.length === 0 && skipped),
        `${u}: ${JSON.stringify(list)}`,
      ).toBe(true);
    }

    const sessions = await noTwoSessionsAtOnce(users);
    // One IMAP session per run, and no session without a run: Dovecot saw what the history says.
    for (const u of users) expect(sessions.filter((s) => s.user === u).length, u).toBe(runs.get(u)!.length);
    expect(faults()).toEqual([]);
    console.log(
      `burst at ${new Date(since).toISOString()}: ${ranSince().length} scheduled runs ` +
        `(${relays.map((r) => `${r.name} ${ranOn(r)}`).join(', ')}), ` +
        `${manual.filter((a) => a.status === 202).length} manual runs started and ` +
        `${manual.filter((a) => a.status === 409).length} refused during it; arrivals over ${arrivalsUntil - arrivalsFrom} ms, ` +
        `${tookArrivals} scheduled runs imported some; ` +
        `${[...runs.values()].flat().length} runs, ${sessions.length} Dovecot sessions in all`,
    );
  }, 180_000);

  it('the edits through relay 1 rescheduled every relay: nothing runs the switched-off mailboxes, the new schedule runs', async () => {
    expect(edits.patchedAt && edits.scheduleAt, 'the edits were saved by the test before').toBeTruthy();
    const patchedAt = edits.patchedAt!;
    // The first minute after the edits, plus the tick that claims it and a margin for the burst.
    const due = nextMinute(edits.scheduleAt!);
    const scheduleRuns = await until(
      'a scheduled run of the mailbox whose schedule relay 1 changed',
      async () => {
        const list = await runsOf(SCHEDULE_USER);
        const ran = list.filter((r) => r.trigger === 'schedule' && r.status === 'completed');
        return ran.length > 0 && ran;
      },
      due + TICK_MS + 20_000,
      500,
    );
    expect(Date.parse(scheduleRuns.at(-1)!.startedAt)).toBeGreaterThanOrEqual(due);
    await everyMailImportedOnce([SCHEDULE_USER]);

    // Every relay went through a minute after the switch (its own scheduled runs say so)…
    for (const r of live())
      expect(
        r.events('run.start').some((l) => l.trigger === 'schedule' && l.time >= nextMinute(patchedAt)),
        r.name,
      ).toBe(true);
    // …and none ran a switched-off mailbox: not in the shared history, not in any relay's log.
    const off = new Set(offUsers.map(mailboxId));
    for (const u of offUsers) {
      const list = await runsOf(u, relay(2));
      expect(
        list.filter((r) => Date.parse(r.startedAt) >= patchedAt),
        u,
      ).toEqual([]);
    }
    expect(eventsSince('run.start', patchedAt).filter((l) => off.has(l.mailboxId!))).toEqual([]);
    const contents = await folderContents(dovecot);
    for (const u of offUsers) expect(inFolder(contents, u, 'INBOX'), u).toHaveLength(2);
    expect(deliveries(receiver, off).keysByMail.size).toBe(0);
  }, 120_000);

  it('kill -9 of a relay mid-import: the others finish its mailboxes within one interval and close its runs as interrupted', async () => {
    const victim = relay(3);
    const survivors = [relay(1), relay(2)];
    const heavyIds = new Set(heavyUsers.map(mailboxId));
    const before = deliveries(receiver, new Set(scheduledUsers.map(mailboxId))).postsByKey.size;
    const heavy = await Promise.all(heavyUsers.map((u) => invoices(u, 'heavy', HEAVY_MAILS)));
    // Away from the minute, so the victim and not the schedule starts them.
    await awayFromTheMinute(15_000, 8_000);
    await eachLimit(heavyUsers, 2, (u, i) => append(u, 'INBOX', heavy[i]!));
    for (const u of heavyUsers) {
      const res = await victim.call(admin, 'POST', `/api/mailboxes/${mailboxId(u)}/runs`);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
    }
    const delivered = () =>
      [...receiver.accepted.keys()].filter((k) => heavyIds.has(k.slice(0, k.indexOf(':')))).length;
    let held: { mailboxId: string; runId: string }[] = [];
    await until(
      'the victim to be importing (health/details running, mails arriving)',
      async () => {
        const details = await victim.call(admin, 'GET', '/api/health/details');
        held = details.body.running;
        return held.length > 0 && delivered() > 0;
      },
      Date.now() + 30_000,
      20,
    );
    await victim.kill9();
    const killedAt = Date.now();
    const deliveredAtKill = delivered();

    // Mid-import indeed: mails were left in the sources.
    const left = await folderContents(dovecot);
    const unfinished = heavyUsers.filter((u) => inFolder(left, u, 'INBOX').length > 0);
    expect(unfinished.length, 'mailboxes the victim left unfinished').toBeGreaterThan(0);
    const dead = new Set(held.map((h) => h.runId));
    for (const u of heavyUsers)
      for (const r of await runsOf(u, relay(1)))
        if (r.status === 'running' && Date.parse(r.startedAt) < killedAt) dead.add(r.id);

    // When the schedule has each unfinished mailbox due next: within one interval, by its cron.
    const dueOf = new Map<string, number>();
    for (const u of unfinished) {
      const got = await relay(1).call(admin, 'GET', `/api/mailboxes/${mailboxId(u)}`);
      dueOf.set(u, Date.parse(got.body.state.nextRun));
      expect(dueOf.get(u)!, u).toBeLessThanOrEqual(killedAt + INTERVAL_MS);
    }
    await Promise.all([
      // Its runs closed as interrupted by the others (they look every 6 ticks).
      until(
        'the dead relay’s runs to be closed as interrupted',
        async () => {
          for (const id of dead) if ((await getRun(id, relay(1))).status !== 'interrupted') return false;
          return true;
        },
        killedAt + 6 * TICK_MS * 2 + 10_000,
        500,
        async () => Promise.all([...dead].map((id) => getRun(id, relay(1)))),
      ),
      // Taken over at that due time plus the tick: a survivor claims it (moves its next run on and
      // queues its job) in the first tick after it is due. A few seconds for the tick itself, which
      // claims 200+ mailboxes at the minute on a loaded machine.
      until(
        'a survivor to claim the dead relay’s mailboxes when they are due',
        async () => {
          for (const u of unfinished) {
            const got = await relay(2).call(admin, 'GET', `/api/mailboxes/${mailboxId(u)}`);
            if (!(Date.parse(got.body.state.nextRun) > dueOf.get(u)!)) return false;
          }
          return true;
        },
        killedAt + INTERVAL_MS + TICK_MS + 3_000,
        250,
      ),
    ]);
    for (const id of dead) {
      const run = await getRun(id, relay(2));
      expect(run.finishedAt).not.toBeNull();
    }
    const closedBy = survivors.flatMap((r) => r.events('run.interrupted').map((l) => l.runId));
    expect([...dead].filter((id) => !closedBy.includes(id))).toEqual([]);

    // And finished: the job waits its turn among the 200+ due at that minute on the survivors' 8
    // run slots, then the run imports what the victim left.
    const deadline = killedAt + INTERVAL_MS + TICK_MS + 30_000;
    await until(
      'the others to finish the dead relay’s mailboxes',
      async () => {
        const contents = await folderContents(dovecot);
        if (heavyUsers.some((u) => inFolder(contents, u, 'INBOX').length > 0)) return false;
        for (const u of unfinished) {
          const list = await runsOf(u);
          if (!list.some((r) => r.status === 'completed' && Date.parse(r.startedAt) > killedAt)) return false;
        }
        return true;
      },
      deadline,
      500,
      async () => {
        const contents = await folderContents(dovecot);
        return heavyUsers.map((u) => [u, inFolder(contents, u, 'INBOX').length]);
      },
    );
    const takeovers = eventsSince('run.start', killedAt, survivors).filter((l) => heavyIds.has(l.mailboxId!));
    expect(takeovers.length).toBeGreaterThanOrEqual(unfinished.length);

    await everyMailImportedOnce(heavyUsers);
    const { again } = deliveredOnce(heavyUsers, false);
    // The scheduled mailboxes got nothing new at the minutes after their burst.
    expect(deliveries(receiver, new Set(scheduledUsers.map(mailboxId))).postsByKey.size).toBe(before);

    // No overlap, counting a dead run as ended when its relay died (its finishedAt is when the
    // others closed it, after the fact).
    for (const u of heavyUsers) {
      const list = await runsOf(u);
      const end = (r: RunSummary) =>
        dead.has(r.id) ? killedAt : r.finishedAt ? Date.parse(r.finishedAt) : Infinity;
      expect(overlappingRuns(list, end), u).toEqual([]);
    }
    // And over the whole file, every mailbox's user: never two sessions at once.
    await noTwoSessionsAtOnce(allUsers.filter((u) => u !== 'probe'));
    const sessions = await noTwoSessionsAtOnce(heavyUsers);
    // The victim's sessions were cut, not logged out (a run killed before its login has none).
    expect(sessions.filter((s) => /Connection closed/.test(s.endText ?? '')).length).toBeGreaterThan(0);
    expect(faults()).toEqual([]);
    console.log(
      `killed ${victim.name} holding ${dead.size} runs after ${deliveredAtKill} heavy deliveries; ` +
        `${again} mails POSTed again under the same Idempotency-Key; takeover runs: ` +
        takeovers.map((l) => `${userOf.get(l.mailboxId!)}@${new Date(l.time).toISOString()}`).join(', '),
    );
  }, 180_000);
});
