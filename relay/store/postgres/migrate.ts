import { runner } from 'node-pg-migrate';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { SCHEMA_LOCK_KEY } from './advisory-key.js';
import { BOSS_SCHEMA, IMPORT_QUEUE } from './import-queue.js';
import { databaseError, describeTarget } from './pg-errors.js';
import { APPLICATION_NAME, clientConfig } from './pool.js';
import { MIGRATIONS_TABLE, migrationsDir, schemaProblem, schemaStatus } from './schema-status.js';

export { IMPORT_QUEUE } from './import-queue.js';

type Log = (line: Record<string, unknown>) => void;

/** An import may run up to 4 hours before pg-boss counts its job as expired. */
const IMPORT_EXPIRY_S = 4 * 3600;

/**
 * Creates or upgrades the schema: ours (node-pg-migrate), pg-boss's, and the import queue. Relays
 * starting together all call it; the schema lock lets one migrate while the others wait, then find
 * nothing left to do. pg-boss's queue creation under it too: from several processes at once it
 * deadlocks (40P01).
 */
export async function migrate(url: string, log: Log = () => {}): Promise<{ applied: string[] }> {
  return withClient(url, async (client) => {
    await lockSchema(client, log);
    const applied = await runOurs(client, log);
    await upgradeBoss(url, log);
    return { applied };
  });
}

/** A dedicated session; ending it also frees its advisory locks, whatever state it is in. */
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  let client: pg.Client | undefined;
  try {
    client = new pg.Client(clientConfig(url));
    client.on('error', () => {});
    await client.connect();
    return await fn(client);
  } catch (e) {
    throw databaseError(e, describeTarget(url)) ?? e;
  } finally {
    await client?.end().catch(() => {});
  }
}

async function lockSchema(client: pg.Client, log: Log) {
  const sql = 'SELECT pg_try_advisory_lock($1::bigint) AS granted';
  const [row] = (await client.query<{ granted: boolean }>(sql, [SCHEMA_LOCK_KEY])).rows;
  if (row?.granted) return;
  log({ event: 'migrate.waiting', message: 'another relay is migrating; waiting for it' });
  await client.query('SELECT pg_advisory_lock($1::bigint)', [SCHEMA_LOCK_KEY]);
}

async function runOurs(client: pg.Client, log: Log): Promise<string[]> {
  const [row] = (await client.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows;
  const schema = row?.schema ?? 'public';
  const say = (level: string) => (message: string) => log({ event: 'migrate.schema', level, message });
  const done = await runner({
    dbClient: client,
    dir: migrationsDir(),
    direction: 'up',
    migrationsTable: MIGRATIONS_TABLE,
    // Our tables and the table of what ran, both where this user's unqualified names resolve.
    schema,
    migrationsSchema: schema,
    singleTransaction: true,
    // Our schema lock serialises us; node-pg-migrate's own lock has one well-known key that every
    // other application using it on this database shares.
    noLock: true,
    logger: { info: say('info'), warn: say('warn'), error: say('error') },
  });
  const applied = done.map((m) => m.name);
  for (const name of applied) log({ event: 'migrate.applied', migration: name });
  return applied;
}

async function upgradeBoss(url: string, log: Log) {
  const boss = new PgBoss({
    connectionString: url,
    application_name: APPLICATION_NAME,
    schema: BOSS_SCHEMA,
    max: 2,
    schedule: false,
    supervise: false,
    migrate: true,
  });
  boss.on('error', (err) => log({ event: 'migrate.boss_error', message: err.message }));
  await boss.start();
  try {
    if (!(await boss.getQueue(IMPORT_QUEUE))) {
      await boss.createQueue(IMPORT_QUEUE, {
        name: IMPORT_QUEUE,
        policy: 'short',
        retryLimit: 0,
        expireInSeconds: IMPORT_EXPIRY_S,
      });
      log({ event: 'migrate.queue_created', queue: IMPORT_QUEUE });
    }
  } finally {
    await boss.stop({ graceful: false });
  }
}

/** Whether this relay can use the database as it is, without migrating. */
export async function schemaIsCurrent(url: string): Promise<boolean> {
  return withClient(url, async (client) => schemaProblem(await schemaStatus(client)) === null);
}
