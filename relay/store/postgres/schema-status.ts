import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelayError } from '../../errors.js';
import { BOSS_SCHEMA, IMPORT_QUEUE } from './import-queue.js';
import type { Sql } from './pool.js';

export const MIGRATIONS_TABLE = 'mailbox_connect_migrations';

/**
 * The SQL migrations: beside this module (the source tree, or `migrations/` copied next to the
 * bundle `.output/relay/main.mjs`), else the source path from the working directory.
 */
export function migrationsDir(): string {
  const beside = fileURLToPath(new URL('./migrations', import.meta.url));
  if (existsSync(beside)) return beside;
  const source = resolve(process.cwd(), 'relay/store/postgres/migrations');
  if (existsSync(source)) return source;
  throw new RelayError(
    'internal',
    `The schema migrations are missing: neither ${beside} nor ${source} exists.`,
  );
}

/** node-pg-migrate's names for them: the file name without `.sql`. */
export const migrationNames = (dir = migrationsDir()): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -'.sql'.length))
    .sort();

/** The pg-boss schema version this pg-boss expects (it refuses any other without `migrate`). */
const bossVersion = (): number =>
  (createRequire(import.meta.url)('pg-boss/version.json') as { schema: number }).schema;

export interface SchemaStatus {
  /** None of ours applied yet. */
  installed: boolean;
  /** Ours not yet applied; one a newer relay applied is no gap. */
  missing: string[];
  boss: 'missing' | 'older' | 'current' | 'newer';
  queue: boolean;
}

export async function schemaStatus(sql: Sql): Promise<SchemaStatus> {
  const [found] = (
    await sql.query<{ ours: boolean; boss: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS ours, to_regclass($2) IS NOT NULL AS boss',
      [MIGRATIONS_TABLE, `${BOSS_SCHEMA}.version`],
    )
  ).rows;
  const applied = found?.ours
    ? (await sql.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`)).rows.map((r) => r.name)
    : [];
  const missing = migrationNames().filter((n) => !applied.includes(n));
  if (!found?.boss) return { installed: applied.length > 0, missing, boss: 'missing', queue: false };
  const [row] = (await sql.query<{ version: number }>(`SELECT version FROM ${BOSS_SCHEMA}.version`)).rows;
  const want = bossVersion();
  const have = Number(row?.version ?? 0);
  const boss = have === want ? 'current' : have < want ? 'older' : 'newer';
  const queue =
    (await sql.query(`SELECT 1 FROM ${BOSS_SCHEMA}.queue WHERE name = $1`, [IMPORT_QUEUE])).rowCount === 1;
  return { installed: applied.length > 0, missing, boss, queue };
}

const MIGRATE = 'run `npm run relay -- migrate`';

/** What keeps this relay from using the database, as a sentence about `target`; null when nothing. */
export function schemaProblem(s: SchemaStatus, target = 'The database'): string | null {
  if (!s.installed) return `${target} has no Mailbox Connect schema yet: ${MIGRATE} first.`;
  if (s.missing.length > 0)
    return `${target} has a schema older than this relay (${s.missing.join(', ')} not applied): ${MIGRATE} with this relay's version.`;
  if (s.boss === 'newer')
    return `${target} has a job queue schema (pg-boss) newer than this relay's: update this relay.`;
  if (s.boss !== 'current')
    return `${target} has ${s.boss === 'missing' ? 'no job queue schema (pg-boss)' : 'an older job queue schema (pg-boss)'}: ${MIGRATE}.`;
  if (!s.queue) return `${target} has no import job queue: ${MIGRATE}.`;
  return null;
}
