import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psql, startPostgres, type Postgres } from '../helpers/postgres.js';

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The server writes a session's disconnection line after the client has gone, so wait for it. */
async function logMatching(logPath: string, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const match = (await readFile(logPath, 'utf8')).match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in ${logPath}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('postgres harness', () => {
  let pg: Postgres;

  beforeAll(async () => {
    pg = await startPostgres();
  }, 30_000);

  afterAll(async () => {
    await pg?.stop();
  });

  it('runs PostgreSQL 15 on loopback and a socket in its dir, without durability', async () => {
    const [row] = await pg.query('select version()');
    expect(row?.version).toMatch(/^PostgreSQL 15\.\d+ /);
    const names = [
      'fsync',
      'synchronous_commit',
      'full_page_writes',
      'log_connections',
      'log_disconnections',
    ];
    const rows = await pg.query('select name, setting from pg_settings where name = any($1::text[])', [
      `{${[...names, 'max_connections', 'listen_addresses', 'unix_socket_directories', 'port'].join(',')}}`,
    ]);
    const settings = Object.fromEntries(rows.map((r) => [r.name, r.setting]));
    expect(settings).toMatchObject({
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      log_connections: 'on',
      log_disconnections: 'on',
      listen_addresses: '127.0.0.1',
      unix_socket_directories: pg.socketDir,
      port: String(pg.port),
    });
    expect(Number(settings.max_connections)).toBeGreaterThanOrEqual(100);
    expect(existsSync(path.join(pg.socketDir, `.s.PGSQL.${pg.port}`))).toBe(true);
  });

  it('stores and reads back rows through the url, NULL apart from the empty string', async () => {
    expect(pg.url).toBe(`postgres://relay@127.0.0.1:${pg.port}/relay`);
    await psql(pg.url, 'create table invoices (id int primary key, name text, note text)');
    const rows = [
      { id: '1', name: "Ärger & Co's \\ Rechnung", note: null },
      { id: '2', name: '', note: 'a|b,"c"\nnext line' },
    ];
    await psql(
      pg.url,
      'insert into invoices values ($1, $2, $3), ($4, $5, $6)',
      rows.flatMap((r) => [Number(r.id), r.name, r.note]),
    );
    expect(await psql(pg.url, 'select * from invoices order by id')).toEqual(rows);
    expect(await pg.query('select count(*) as n from invoices where note is null')).toEqual([{ n: '1' }]);
    expect(await pg.query('select 1 as one where false')).toEqual([]);
  });

  it('creates a second database', async () => {
    const url = await pg.createDatabase('second');
    expect(url).toBe(`postgres://relay@127.0.0.1:${pg.port}/second`);
    expect(await psql(url, "select current_database() as db, to_regclass('invoices') as t")).toEqual([
      { db: 'second', t: null },
    ]);
  });

  it('trusts only the test role', async () => {
    const other = `postgres://postgres@127.0.0.1:${pg.port}/relay`;
    await expect(psql(other, 'select 1')).rejects.toThrow(/no pg_hba.conf entry .*user "postgres"/);
  });

  it('logs every session with its start and end', async () => {
    await psql(`${pg.url}?application_name=harness-log-check`, 'select 1');
    const [, pid] = await logMatching(
      pg.logPath,
      /\[(\d+)\] LOG: {2}connection authorized: user=relay database=relay application_name=harness-log-check/,
    );
    await logMatching(
      pg.logPath,
      new RegExp(`\\[${pid}\\] LOG: {2}disconnection: .* user=relay database=relay`),
    );
  });

  it('starts clusters in parallel on their own ports, and stop() frees the port and removes the dir', async () => {
    const [a, b] = await Promise.all([startPostgres({ database: 'a' }), startPostgres({ database: 'b' })]);
    try {
      expect(new Set([a.port, b.port, pg.port]).size).toBe(3);
      expect(a.dir).not.toBe(b.dir);
      expect(await psql(a.url, 'select current_database() as db')).toEqual([{ db: 'a' }]);
      expect(await psql(b.url, 'select current_database() as db')).toEqual([{ db: 'b' }]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const stopped of [a, b]) {
      expect(existsSync(stopped.dir)).toBe(false);
      expect(await canListen(stopped.port)).toBe(true);
    }
    await expect(a.stop(), 'a second stop() is a no-op').resolves.toBeUndefined();
  }, 30_000);
});
