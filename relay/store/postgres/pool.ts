import pg from 'pg';
import { databaseError, describeTarget, rethrow } from './pg-errors.js';

export const APPLICATION_NAME = 'mailbox-connect';

/** pg's default is to wait for a connection forever; an unreachable database should say so. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Column types as the records want them: `timestamptz` as an ISO string (the records' dates are
 * strings), `bigint` as a number while it is exact (sequences, UIDs, counts), else its digits.
 * Per pool, not `pg.types.setTypeParser`, which would change pg-boss's parsing too.
 */
function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  const toDate = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (v: string) => Date;
  types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text', (v: string) => toDate(v).toISOString());
  types.setTypeParser(pg.types.builtins.INT8, 'text', (v: string) => {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  });
  return types;
}

/** The connection settings every client of ours uses, also the dedicated ones (locks, migrate). */
export function clientConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: typeParsers(),
  };
}

const targets = new WeakMap<pg.Pool, string>();

/** Where a pool points, in words for error messages. */
export const targetOf = (pool: pg.Pool): string => targets.get(pool) ?? 'PostgreSQL';

export function createPool(url: string, opts: { max?: number } = {}): pg.Pool {
  // Checked here so that no parser's error, which holds the whole URL, escapes.
  try {
    new URL(url);
  } catch (e) {
    rethrow(e, describeTarget(url));
  }
  const pool = new pg.Pool({ ...clientConfig(url), ...(opts.max ? { max: opts.max } : {}) });
  targets.set(pool, describeTarget(url));
  // An idle client whose connection breaks is dropped by the pool and replaced on the next query,
  // which reports the failure itself; unheard, the event would end the process.
  pool.on('error', () => {});
  return pool;
}

/** Where a statement runs: the pool, or the client of a transaction. */
export type Db = pg.Pool | pg.PoolClient;

/** What any client offers, also a dedicated one. */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * One statement, on the pool or on a transaction's client. On the pool, a database that fails
 * surfaces as a RelayError here; in a transaction, `withTransaction` does that.
 */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: Db,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await sql.query<R>(text, values);
  } catch (e) {
    if (sql instanceof pg.Pool) rethrow(e, targetOf(sql));
    throw e;
  }
}

export interface TransactionOptions {
  /** A consistent snapshot of every table (export). */
  snapshot?: boolean;
}

/**
 * Runs `fn` in one transaction on one client: COMMIT when it resolves, ROLLBACK when it throws. The
 * client goes back to the pool, or is destroyed when its connection broke.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  opts: TransactionOptions = {},
): Promise<T> {
  const target = targetOf(pool);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    rethrow(e, target);
  }
  let broken: Error | undefined;
  try {
    await client.query(opts.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch((rollback: Error) => {
      broken = rollback;
    });
    if (databaseError(e, target)) broken ??= e as Error;
    rethrow(e, target);
  } finally {
    client.release(broken);
  }
}
