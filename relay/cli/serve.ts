import type { ServerType } from '@hono/node-server';
import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { openRelay, type Relay } from '../boot.js';
import { openScheduler, type RelayScheduler } from '../jobs/open-scheduler.js';
import { VERSION } from '../version.js';
import { parseVerbArgs } from './args.js';
import { listen } from './listen.js';
import { SERVE_USAGE } from './usage.js';
import type { Verb } from './verb.js';

const signalled = () =>
  new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

/** `serve`: the HTTP API and the schedules until SIGTERM or SIGINT. */
async function serveRelay(config: Config): Promise<number> {
  const relay = await openRelay(config);
  // Caught from here on: a supervisor's SIGTERM during start-up still releases the lock.
  const signal = signalled();
  let scheduler: RelayScheduler | undefined;
  let server: ServerType | undefined;
  let port: number;
  try {
    relay.startAlerts();
    scheduler = await openScheduler(relay);
    const app = createApp({ version: VERSION, checksPerMinute: config.checksPerMinute, ...relay });
    // The socket first: a relay that cannot listen must not start any import.
    ({ server, port } = await listen(app.fetch, config.host, config.port));
    await scheduler.start(await relay.store.list());
  } catch (e) {
    await scheduler?.close().catch(() => {});
    server?.close();
    relay.release();
    throw e;
  }
  const url = `http://${config.host}:${port}`;
  relay.log.info(
    { event: 'relay.start', version: VERSION, url, store: relay.storeInfo, delivery: relay.delivery },
    `Mailbox Connect relay ${VERSION} listening on ${url} (${storeLine(relay.storeInfo)})`,
  );
  if ((await relay.tokens.list()).length === 0)
    relay.log.warn(
      { event: 'relay.no_token' },
      'No API token yet. Create one in another terminal: npm run relay -- token create --user YOUR_NAME --roles admin',
    );

  const got = await signal;
  relay.log.info({ event: 'relay.stop', signal: got }, `${got}: finishing the current mails, then stopping`);
  scheduler.stop();
  server.close();
  // Keep-alive sockets would hold close() open; the API has no long requests worth waiting for.
  (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  // DESIGN: SIGTERM lets the current mail finish (import, record, move) and stops within 30 s.
  const settled = await relay.imports.stop(25_000);
  await scheduler.close().catch((err: unknown) => relay.log.error({ err, event: 'schedule.close_failed' }));
  await relay.close(3_000);
  // Runs still going after the grace period die with the process, never beside a successor.
  if (!settled) process.exit(1);
  return 0;
}

const storeLine = (s: Relay['storeInfo']) =>
  s.kind === 'lowdb' ? `data: ${s.dataDir}` : `PostgreSQL: ${s.database}`;

export const serveVerb: Verb = {
  usage: SERVE_USAGE,
  prepare(args) {
    parseVerbArgs('serve', args, {});
    return serveRelay;
  },
};
