/**
 * `npm run bench -- --scenario scale` (issue 10): 1,000 mailboxes scheduled every 5 minutes on one
 * PostgreSQL, served by 1 relay and then by 3. A 5-minute cron makes every mailbox due in the same
 * second, so the burst at a boundary is what is measured: all next runs are set to one instant T
 * (as the boundary does) and the relays' ticks take it from there. Reported: runs started per
 * second, the delay of each mailbox's run after T (p50, p95, max), and the database's size per
 * 10,000 ledger entries. The folders are empty: a run is the login, SELECT, UID SEARCH and run
 * history every mailbox pays at each interval, whatever its mails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDovecot } from '../helpers/dovecot.js';
import { execOut } from '../helpers/exec.js';
import { freePort } from '../helpers/free-port.js';
import { startPostgres, type Postgres } from '../helpers/postgres.js';

const MAILBOXES = 1000;
const USERS = 20;
const SCHEDULE = '*/5 * * * *';
const TICK_MS = 1000;
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const MAIN = path.join(root, '.output/relay/main.mjs');

interface RelayProc {
  port: number;
  child: ChildProcess;
  dataDir: string;
}

async function buildRelay() {
  await execOut('npm', ['run', '--silent', 'build:relay'], { cwd: root });
}

function relayEnv(pg: Postgres, key: string, dataDir: string, port: number, caCertPath: string) {
  return {
    ...process.env,
    NODE_EXTRA_CA_CERTS: caCertPath,
    RELAY_DATABASE_URL: pg.url,
    RELAY_SECRET_KEY: key,
    RELAY_DATA_DIR: dataDir,
    RELAY_PORT: String(port),
    RELAY_ALLOW_HOSTS: '127.0.0.1',
    RELAY_SCHEDULER_TICK_MS: String(TICK_MS),
    RELAY_LOG_LEVEL: 'warn',
  };
}

async function startRelay(pg: Postgres, key: string, caCertPath: string): Promise<RelayProc> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-scale-relay-'));
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    env: relayEnv(pg, key, dataDir, port, caCertPath),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { port, child, dataDir };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('a relay did not start');
}

async function stopRelay(r: RelayProc) {
  const exited = new Promise((res) => r.child.once('exit', res));
  r.child.kill('SIGTERM');
  await exited;
  await rm(r.dataDir, { recursive: true, force: true });
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

/** Makes every mailbox due at `at`, as a 5-minute boundary does, and waits until each has run. */
async function burst(pg: Postgres, at: Date) {
  await pg.query(
    `UPDATE mailboxes SET next_run = $1::timestamptz,
       data = jsonb_set(data::jsonb, '{state,nextRun}', to_jsonb($1::text))::json`,
    [at.toISOString()],
  );
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const [row] = await pg.query(
      `SELECT count(DISTINCT mailbox_id) AS n FROM runs WHERE started_at >= $1 AND status <> 'running'`,
      [at.toISOString()],
    );
    if (Number(row?.n) >= MAILBOXES) break;
    if (Date.now() > deadline) throw new Error(`only ${row?.n} of ${MAILBOXES} mailboxes ran`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const rows = await pg.query(
    `SELECT mailbox_id, min(extract(epoch FROM started_at) * 1000) AS started,
            count(*) AS runs, bool_or(status = 'failed') AS failed
       FROM runs WHERE started_at >= $1 GROUP BY mailbox_id`,
    [at.toISOString()],
  );
  const starts = rows.map((r) => Number(r.started));
  const delays = starts.map((s) => (s - at.getTime()) / 1000);
  const spread = (Math.max(...starts) - Math.min(...starts)) / 1000;
  return {
    runs: rows.length,
    failed: rows.filter((r) => r.failed === 't').length,
    twice: rows.filter((r) => Number(r.runs) > 1).length,
    runsPerSecond: rows.length / Math.max(spread, 0.001),
    delaySeconds: { p50: percentile(delays, 50), p95: percentile(delays, 95), max: Math.max(...delays) },
  };
}

/** Bytes the ledger takes per 10,000 entries, written as runs write them (100 a batch). */
async function ledgerSize(pg: Postgres) {
  const size = async () =>
    Number((await pg.query(`SELECT pg_total_relation_size('ledger') AS b`))[0]?.b ?? 0);
  const before = await size();
  const { openPostgresStores } = await import('../../relay/store/postgres/open-postgres.js');
  const stores = await openPostgresStores(pg.url);
  try {
    for (let m = 0; m < 10; m++) {
      const ledger = await stores.ledger.open(`bench-ledger-${m}`);
      for (let b = 0; b < 10; b++)
        await ledger.record(
          Array.from({ length: 100 }, (_, i) => ({
            folder: 'INBOX',
            uidValidity: '1700000000',
            uid: b * 100 + i + 1,
            messageId: `<${randomBytes(12).toString('hex')}@mail.example.com>`,
            rawSha256: randomBytes(32).toString('hex'),
            documents: [randomBytes(32).toString('hex')],
            status: 'moved' as const,
            outcome: 'imported' as const,
            reason: null,
            attempts: 0,
            nextAttemptAt: null,
            at: new Date().toISOString(),
            size: 100_000,
            runId: `20261202T070000000Z-${randomBytes(4).toString('hex')}`,
          })),
        );
      await ledger.close();
    }
  } finally {
    await stores.close();
  }
  await pg.query('VACUUM ANALYZE ledger');
  return (await size()) - before;
}

export async function scaleBenchmark() {
  console.log(`\nScenario scale: ${MAILBOXES} mailboxes every 5 minutes, 1 relay, then 3 …`);
  await buildRelay();
  const users = Array.from({ length: USERS }, (_, i) => ({
    name: `scale${String(i).padStart(2, '0')}`,
    password: randomBytes(9).toString('base64url'),
  }));
  const [pg, d] = await Promise.all([startPostgres(), startDovecot({ users })]);
  const key = randomBytes(32).toString('hex');
  const relays: RelayProc[] = [];
  try {
    relays.push(await startRelay(pg, key, d.caCertPath));
    const token = (
      await execOut(process.execPath, [MAIN, 'token', 'create', '--user', 'bench', '--roles', 'admin'], {
        env: relayEnv(pg, key, relays[0]!.dataDir, 0, d.caCertPath),
      })
    )
      .toString()
      .trim();
    const perUser = MAILBOXES / USERS;
    for (const u of users) {
      const names = Array.from({ length: perUser }, (_, i) => `S${i}`);
      await d.doveadm(['mailbox', 'create', '-u', u.name, ...names, 'Imported', 'NotImported']);
    }
    const api = `http://127.0.0.1:${relays[0]!.port}`;
    let created = 0;
    const createOne = async (u: (typeof users)[number], i: number) => {
      const res = await fetch(`${api}/api/mailboxes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          provider: 'imap',
          description: `${u.name} S${i}`,
          company: 'Bench',
          access: { role: 'ap' },
          autoProcessing: true,
          schedule: SCHEDULE,
          imap: { host: '127.0.0.1', port: d.imapsPort, security: 'tls' },
          username: u.name,
          password: u.password,
          folders: { source: `S${i}`, imported: 'Imported', notImported: 'NotImported' },
        }),
      });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
      created++;
    };
    for (const u of users) await Promise.all(Array.from({ length: perUser }, (_, i) => createOne(u, i)));
    console.log(`  ${created} mailboxes created`);

    // A burst must not straddle a real 5-minute boundary, where every mailbox is due again.
    const due = async () => {
      const toBoundary = 300_000 - (Date.now() % 300_000);
      if (toBoundary < 90_000) await new Promise((r) => setTimeout(r, toBoundary + 1_000));
      return new Date(Date.now() + 3_000);
    };
    const one = await burst(pg, await due());
    relays.push(await startRelay(pg, key, d.caCertPath), await startRelay(pg, key, d.caCertPath));
    // Give the new relays a tick before the burst, as at any boundary.
    await new Promise((r) => setTimeout(r, 2 * TICK_MS));
    const three = await burst(pg, await due());
    const ledgerBytes = await ledgerSize(pg);
    const dbBytes = Number((await pg.query('SELECT pg_database_size(current_database()) AS b'))[0]?.b ?? 0);
    const result = {
      scenario: 'scale',
      mailboxes: MAILBOXES,
      schedule: SCHEDULE,
      tickMs: TICK_MS,
      maxConcurrentRunsPerRelay: 4,
      oneRelay: one,
      threeRelays: three,
      ledgerMbPer10k: ledgerBytes / 1048576,
      databaseMb: dbBytes / 1048576,
    };
    const line = (name: string, r: typeof one) =>
      `  ${name}: ${r.runs} runs, ${r.runsPerSecond.toFixed(1)} runs/s, delay after due p50 ${r.delaySeconds.p50.toFixed(1)} s, p95 ${r.delaySeconds.p95.toFixed(1)} s, max ${r.delaySeconds.max.toFixed(1)} s (${r.failed} failed, ${r.twice} mailboxes twice)`;
    console.log(line('1 relay ', one));
    console.log(line('3 relays', three));
    console.log(
      `  ledger: ${result.ledgerMbPer10k.toFixed(2)} MB per 10,000 entries (table and indexes); database ${result.databaseMb.toFixed(0)} MB`,
    );
    if (one.twice + three.twice + one.failed + three.failed > 0)
      throw new Error('a mailbox ran twice in one burst, or a run failed');
    return result;
  } finally {
    await Promise.allSettled(relays.map(stopRelay));
    await Promise.allSettled([pg.stop(), d.stop()]);
  }
}
