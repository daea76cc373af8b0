import { createServer } from 'node:net';

/**
 * Asks the kernel for an unused TCP port on `host`. The port is released before returning, so another
 * process could grab it in between; good enough for tests that start their server right away.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error(`no port assigned on ${host}`))));
    });
  });
}
