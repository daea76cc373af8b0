import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import type { Config } from '../config.js';
import { openRelay } from '../boot.js';
import { Scheduler } from '../jobs/scheduler.js';
import { VERSION } from '../version.js';

/** `serve`: the HTTP API and the schedules until SIGTERM or SIGINT. */
export async function serveCommand(config: Config): Promise<void> {
  const relay = await openRelay(config);
  const app = createApp({ version: VERSION, checksPerMinute: config.checksPerMinute, ...relay });
  const scheduler = new Scheduler(relay.mailboxes, relay.imports);
  await scheduler.start(await relay.store.list());
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    console.log(
      `Mailbox Connect relay ${VERSION} listening on http://${config.host}:${info.port} (data: ${config.dataDir})`,
    );
  });
  if ((await relay.tokens.list()).length === 0)
    console.log(
      'No API token yet. Create one in another terminal:\n  npm run relay -- token create --user YOUR_NAME --roles admin',
    );

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  console.log(`${signal}: finishing the current mails, then stopping`);
  scheduler.stop();
  server.close();
  // Keep-alive sockets would hold close() open; the API has no long requests worth waiting for.
  (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  // DESIGN: SIGTERM lets the current mail finish (import, record, move) and stops within 30 s.
  const settled = await relay.imports.stop(25_000);
  relay.release();
  // Runs still going after the grace period die with the process, never beside a successor.
  if (!settled) process.exit(1);
}
