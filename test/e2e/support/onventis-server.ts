import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './extension-build';

const FIXTURES = path.join(ROOT, 'test/fixtures/onventis');

/** Routes of the fake Onventis: its pages by path, their assets by file name from any path. */
const PAGES: Record<string, string> = {
  '/maintenance/settings/email-import': 'email-import-configuration.html',
  '/invoices': 'invoice-overview.html',
};
const ASSETS: Record<string, string> = {
  'onventis.css': 'text/css',
  'page-scripts.js': 'text/javascript',
};

export interface FakeOnventis {
  /** https://acme.onventis.com:<port>, resolved to loopback by Chromium's --host-resolver-rules. */
  origin: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves the saved Onventis pages over HTTPS on 127.0.0.1, so the browser reaches them as
 * https://acme.onventis.com:<port>/ and the extension's real match patterns apply.
 */
export async function startFakeOnventis(): Promise<FakeOnventis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'onventis-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=acme.onventis.com'],
      ...['-keyout', key, '-out', cert],
    ],
    { stdio: 'ignore' },
  );

  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://acme.onventis.com');
    const page = PAGES[url.pathname];
    const asset = path.basename(url.pathname);
    const file = page ?? (ASSETS[asset] ? asset : undefined);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = page ? 'text/html; charset=utf-8' : `${ASSETS[asset]}; charset=utf-8`;
    res.writeHead(200, { 'content-type': type }).end(readFileSync(path.join(FIXTURES, file)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://acme.onventis.com:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}
