import type { Config } from '../config.js';
import { databaseLabel } from '../store/open-stores.js';
import { parseVerbArgs } from './args.js';
import { MIGRATE_USAGE } from './usage.js';
import type { Verb } from './verb.js';

/** `migrate`: creates or upgrades the PostgreSQL schema (ours and the job queue's); `serve` does it too. */
async function migrateDatabase(config: Config): Promise<number> {
  if (!config.databaseUrl) {
    console.error(
      'migrate is for PostgreSQL: set RELAY_DATABASE_URL. The embedded store needs no migration.',
    );
    return 1;
  }
  const { migrate } = await import('../store/postgres/migrate.js');
  const { applied } = await migrate(config.databaseUrl);
  console.log(
    applied.length === 0
      ? `The schema of ${databaseLabel(config.databaseUrl)} is up to date.`
      : `Migrated ${databaseLabel(config.databaseUrl)}: ${applied.join(', ')}.`,
  );
  return 0;
}

export const migrateVerb: Verb = {
  usage: MIGRATE_USAGE,
  prepare(args) {
    parseVerbArgs('migrate', args, {});
    return migrateDatabase;
  },
};
