import type { Pool } from 'pg';
import type { Config } from '../config.js';
import { openEmbeddedStores, type EmbeddedOptions } from './open-embedded.js';
import type { StoreInfo, Stores } from './repository.js';

export interface OpenedStores extends Stores {
  info: StoreInfo;
  /** PostgreSQL only: the job queue and the scheduler's claims use the same database. */
  postgres?: { url: string; pool: Pool };
}

/** `postgres://user:secret@host:5432/db?…` as `host:5432/db`: what may be logged and shown. */
export function databaseLabel(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}

/**
 * The store RELAY_DATABASE_URL chooses (DESIGN §5). PostgreSQL's schema is brought up to date first
 * (one relay migrates while the others wait on the migration lock); its client is loaded only then,
 * so the embedded default never loads it.
 */
export async function openStores(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  opts: EmbeddedOptions & { migrate?: boolean } = {},
): Promise<OpenedStores> {
  const url = config.databaseUrl;
  if (!url)
    return {
      ...(await openEmbeddedStores(config.dataDir, opts)),
      info: { kind: 'lowdb', dataDir: config.dataDir },
    };
  if (opts.migrate !== false) await (await import('./postgres/migrate.js')).migrate(url);
  const { openPostgresStores } = await import('./postgres/open-postgres.js');
  const stores = await openPostgresStores(url, opts.now ? { now: opts.now } : {});
  return Object.assign(stores, {
    info: { kind: 'postgres' as const, database: databaseLabel(url) },
    postgres: { url, pool: stores.pool },
  });
}
