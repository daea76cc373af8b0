import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../relay/app.js';
import { openRelay, type Relay } from '../../relay/boot.js';
import { loadConfig } from '../../relay/config.js';
import type { MailboxDriver } from '../../relay/mail/driver.js';
import { type Logger, silentLogger } from '../../relay/log/logger.js';
import { VERSION } from '../../relay/version.js';

export interface TestRelay {
  relay: Relay;
  app: ReturnType<typeof createApp>;
  dataDir: string;
  tokens: { admin: string; alice: string; bob: string; clerk: string };
  /** A JSON request as `token`; returns status and parsed body. */
  call(
    token: string | null,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any; text: string }>;
  /** Stops this relay and opens a new one on the same data directory (a restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The real relay (store, key, tokens, routes) on a fresh data directory, without a socket. */
export async function startTestRelay(
  opts: { env?: Record<string, string>; driver?: MailboxDriver; log?: Logger } = {},
): Promise<TestRelay> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mc-relay-'));
  const config = loadConfig({ RELAY_DATA_DIR: dataDir, ...opts.env });
  const open = async () => {
    const relay = await openRelay(config, {
      log: opts.log ?? silentLogger(),
      ...(opts.driver && { driver: opts.driver }),
    });
    // As `serve` does: alerts follow the mailboxes' states.
    relay.startAlerts();
    return {
      relay,
      app: createApp({
        version: VERSION,
        checksPerMinute: config.checksPerMinute,
        ...relay,
      }),
    };
  };
  let { relay, app } = await open();
  const make = async (user: string, roles: string[]) => (await relay.tokens.create(user, roles)).token;
  const tokens = {
    admin: await make('admin', ['admin']),
    alice: await make('alice', []),
    bob: await make('bob', []),
    clerk: await make('carol', ['ap-clerk']),
  };
  return {
    get relay() {
      return relay;
    },
    get app() {
      return app;
    },
    dataDir,
    tokens,
    async restart() {
      relay.release();
      ({ relay, app } = await open());
    },
    async call(token, method, path, body) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await app.request(path, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed, text };
    },
    async close() {
      relay.release();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const imapMailbox = (over: Record<string, unknown> = {}) => ({
  description: 'AP inbox',
  company: 'Acme GmbH',
  access: { role: 'ap-clerk' },
  imap: { host: 'imap.example.com', port: 993, security: 'tls' },
  username: 'invoices@example.com',
  password: 'planted-Secret-4711',
  ...over,
});
