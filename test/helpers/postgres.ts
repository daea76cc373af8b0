/**
 * Starts a throw-away PostgreSQL 15 cluster for integration tests. Needs the Debian package postgresql;
 * as root the server runs as the user postgres, because initdb refuses root. Every instance has its own
 * temp dir, loopback port and Unix socket, trusts one superuser role and skips every fsync.
 */
import { readFileSync, rmSync } from 'node:fs';
import { access, appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.js';
import { execOut, type ExecOptions } from './exec.js';

/**
 * Debian's postgresql puts initdb, pg_ctl and postgres only here; PATH gets pg_ctlcluster and friends,
 * which manage clusters registered in /etc/postgresql, not one in a temp dir.
 */
const PG_BIN = '/usr/lib/postgresql/15/bin';
const ROLE = 'relay';
const START_ATTEMPTS = 3;

export type SqlParam = string | number | boolean | null;
/** One result row, values in PostgreSQL's text output (`'t'`, `'42'`), SQL NULL as null. */
export type Row = Record<string, string | null>;

export interface PostgresOptions {
  /** The database created for the caller (default 'relay'). */
  database?: string;
  /** More postgresql.conf settings, e.g. `{ lock_timeout: '2s' }`. */
  settings?: Record<string, string | number | boolean>;
}

export interface Postgres {
  /** `postgres://relay@127.0.0.1:PORT/DATABASE`: a superuser, no password (trust). */
  url: string;
  host: '127.0.0.1';
  port: number;
  user: string;
  database: string;
  /** Holds the server's socket `.s.PGSQL.PORT` (libpq `host=`). */
  socketDir: string;
  dir: string;
  /** The server's log, with a line for every connection and disconnection. */
  logPath: string;
  /** Runs `sql` in `database` through psql (no `pg` client here); `$1`… take `params`. */
  query(sql: string, params?: SqlParam[]): Promise<Row[]>;
  /** Creates a database and returns its url. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startPostgres(opts: PostgresOptions = {}): Promise<Postgres> {
  const database = identifier(opts.database ?? ROLE);
  await access(path.join(PG_BIN, 'initdb')).catch(() => {
    throw new Error(`${PG_BIN}/initdb missing: install the Debian package postgresql (15 on Debian 12)`);
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'postgres-'));
  const data = path.join(dir, 'data');
  const logPath = path.join(dir, 'postgres.log');
  // The PID file exists exactly while a postmaster runs; SIGQUIT is an immediate shutdown of all of it.
  const kill = (): void => {
    try {
      process.kill(Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT');
    } catch {
      // not running
    }
  };
  // A crashed or aborted test run must leave neither a server nor its 40 MB behind.
  const cleanUpOnExit = (): void => {
    kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const stopServer = (): Promise<unknown> =>
    asPostgres('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-s'], dir).catch(kill);
  let port: number;
  try {
    if (isRoot()) await exec('chown', ['postgres:', dir]);
    await asPostgres('initdb', initdbArgs(data), dir);
    await writeConfig(data, dir, opts.settings ?? {});
    process.once('exit', cleanUpOnExit);
    port = await start(data, logPath, dir);
    await psql(conninfo(dir, port, 'postgres'), `create database "${database}"`);
  } catch (err) {
    await stopServer();
    process.removeListener('exit', cleanUpOnExit);
    const log = await readLog(logPath);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${err instanceof Error ? err.message : String(err)}${log}`);
  }

  const url = (db: string): string => `postgres://${ROLE}@127.0.0.1:${port}/${db}`;
  let stopped = false;
  return {
    url: url(database),
    host: '127.0.0.1',
    port,
    user: ROLE,
    database,
    socketDir: dir,
    dir,
    logPath,
    query: (sql, params) => psql(conninfo(dir, port, database), sql, params),
    async createDatabase(name) {
      await psql(conninfo(dir, port, 'postgres'), `create database "${identifier(name)}"`);
      return url(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer();
      process.removeListener('exit', cleanUpOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `sql` through psql against a libpq URL or conninfo string; returns the rows of its last statement.
 * Parameters go through PREPARE/EXECUTE as quoted literals, so `sql` with params is one statement.
 */
export async function psql(target: string, sql: string, params: SqlParam[] = []): Promise<Row[]> {
  const command =
    params.length === 0 ? sql : `PREPARE q AS ${sql}\n;\nEXECUTE q(${params.map(literal).join(', ')})`;
  // Bytes that UTF-8 never contains separate fields and rows and mark NULL, so no value can look like
  // them. psql drops such bytes from cells in a UTF-8 session; SQL_ASCII passes the server's UTF-8 on.
  const args = [
    ...['-X', '-w', '-q', '-A', '-P', 'footer=off', '-v', 'ON_ERROR_STOP=1', '-v', 'SHOW_ALL_RESULTS=off'],
    ...['-d', target, '-c', String.raw`\pset fieldsep '\376'`, '-c', String.raw`\pset recordsep '\377'`],
    ...['-c', String.raw`\pset null '\375'`, '-c', command],
  ];
  const env = { PGCLIENTENCODING: 'SQL_ASCII' };
  const out = await exec(path.join(PG_BIN, 'psql'), args, { env }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- in ---\n${sql}`);
  });
  return parseRows(out);
}

function parseRows(out: Buffer): Row[] {
  // No output: no result rows. Else psql ends the last row with a newline, whatever the record separator.
  if (out.length === 0) return [];
  const [header = [], ...rows] = split(out.subarray(0, -1), 0xff).map((record) => split(record, 0xfe));
  const names = header.map((name) => name.toString('utf8'));
  const value = (cell: Buffer = Buffer.alloc(0)): string | null =>
    cell.length === 1 && cell[0] === 0xfd ? null : cell.toString('utf8');
  return rows.map((cells) => Object.fromEntries(names.map((name, i) => [name, value(cells[i])])));
}

function initdbArgs(data: string): string[] {
  // C.UTF-8 ships with libc on Debian, unlike other locales; upper() and lower() still know Ä and ü.
  return ['-D', data, '-U', ROLE, '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'];
}

async function writeConfig(data: string, dir: string, settings: PostgresOptions['settings']) {
  const all = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: dir,
    max_connections: 200,
    // Throw-away data: durability is wasted time.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    log_connections: 'on',
    log_disconnections: 'on',
    ...settings,
  };
  const lines = Object.entries(all).map(([k, v]) => `${k} = '${String(v).replaceAll("'", "''")}'`);
  await appendFile(path.join(data, 'postgresql.conf'), `\n# startPostgres\n${lines.join('\n')}\n`);
  // Only the test role, only over loopback or the socket; anything else has no entry and is refused.
  await writeFile(
    path.join(data, 'pg_hba.conf'),
    `local all ${ROLE} trust\nhost all ${ROLE} 127.0.0.1/32 trust\n`,
  );
}

/** Starts the server on a free port; another port if that one was taken meanwhile. Returns the port. */
async function start(data: string, logPath: string, dir: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ['start', '-D', data, '-l', logPath, '-o', `-p ${port}`, '-w', '-t', '30', '-s'];
    try {
      await asPostgres('pg_ctl', args, dir);
      return port;
    } catch (err) {
      const taken = /could not bind .*Address already in use/.test(await readLog(logPath));
      if (!taken || attempt === START_ATTEMPTS) throw err;
    }
  }
}

/** A connection string for the Unix socket in `dir`. */
function conninfo(dir: string, port: number, database: string): string {
  return `host='${dir}' port=${port} user=${ROLE} dbname=${database}`;
}

function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unusable database name ${name}`);
  return name;
}

function literal(value: SqlParam): string {
  // standard_conforming_strings is on: only quotes need doubling, backslashes are plain.
  return value === null ? 'NULL' : `'${String(value).replaceAll("'", "''")}'`;
}

function split(buf: Buffer, byte: number): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(byte); i !== -1; i = buf.indexOf(byte, start)) {
    parts.push(buf.subarray(start, i));
    start = i + 1;
  }
  parts.push(buf.subarray(start));
  return parts;
}

async function readLog(logPath: string): Promise<string> {
  const log = await readFile(logPath, 'utf8').catch(() => '');
  return log && `\n--- ${logPath} ---\n${log}`;
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function asPostgres(bin: string, args: string[], cwd: string): Promise<Buffer> {
  const cmd = path.join(PG_BIN, bin);
  const opts = { cwd, name: bin };
  return isRoot() ? exec('runuser', ['-u', 'postgres', '--', cmd, ...args], opts) : exec(cmd, args, opts);
}

/** Runs a command without the caller's PG* variables; resolves with stdout, rejects with stderr. */
function exec(
  cmd: string,
  args: string[],
  opts: Omit<ExecOptions, 'env'> & { env?: NodeJS.ProcessEnv } = {},
) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  return execOut(cmd, args, { ...opts, name: opts.name ?? path.basename(cmd), env: { ...env, ...opts.env } });
}
