import type { Relay } from '../boot.js';
import { DistributedScheduler } from './distributed-scheduler.js';
import { Scheduler } from './scheduler.js';

export interface RelayScheduler {
  start(...args: Parameters<Scheduler['start']>): Promise<void>;
  /** No new runs are started. */
  stop(): void;
  /** After the runs ended: lets go of what the scheduler holds (the job queue's connections). */
  close(): Promise<void>;
}

/**
 * The embedded store schedules with croner in this process; PostgreSQL shares the work among every
 * relay of the database through pg-boss (DESIGN §5).
 */
export async function openScheduler(relay: Relay): Promise<RelayScheduler> {
  const pg = relay.stores.postgres;
  if (!pg) {
    const local = new Scheduler(relay.mailboxes, relay.imports, undefined, relay.log, relay.stores.backoff);
    return { start: (all) => local.start(all), stop: () => local.stop(), close: async () => local.stop() };
  }
  const [{ default: PgBoss }, { claimDue }, { IMPORT_QUEUE }] = await Promise.all([
    import('pg-boss'),
    import('../store/postgres/due-mailboxes.js'),
    import('../store/postgres/migrate.js'),
  ]);
  // Its schema was brought up to date with ours (migrate.ts); here it only checks the version.
  const boss = new PgBoss({
    connectionString: pg.url,
    application_name: 'mailbox-connect-queue',
    schedule: false,
    supervise: true,
    migrate: false,
    max: 4,
  });
  boss.on('error', (err) => relay.log.error({ err, event: 'queue.error' }));
  await boss.start();
  return new DistributedScheduler({
    mailboxes: relay.mailboxes,
    imports: relay.imports,
    stores: relay.stores,
    pool: pg.pool,
    boss,
    queue: IMPORT_QUEUE,
    claimDue,
    capacity: relay.config.import.maxConcurrentRuns,
    tickMs: relay.config.schedulerTickMs,
    log: relay.log,
  });
}
