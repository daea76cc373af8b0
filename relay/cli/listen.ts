import { serve, type ServerType } from '@hono/node-server';
import { RelayError } from '../errors.js';

type Fetch = Parameters<typeof serve>[0]['fetch'];

/** listen(2) failures in words: they reach the server as an 'error' event, not as an exception. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): unknown {
  const say = (message: string) => new RelayError('config', message, { cause: e, adminFault: true });
  switch (e.code) {
    case 'EADDRINUSE':
      return say(
        `Port ${port} on ${host} is already in use (another relay or program); set RELAY_PORT or stop it.`,
      );
    case 'EACCES':
      return say(
        `Port ${port} on ${host} may not be opened by the relay's user (ports below 1024 need privileges); set RELAY_PORT to 1024 or above.`,
      );
    case 'EADDRNOTAVAIL':
      return say(
        `${host} is no address of this machine; set RELAY_HOST to one of its addresses (0.0.0.0: all).`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return say(`RELAY_HOST=${host} does not resolve to an address; set RELAY_HOST to an IP address.`);
    default:
      return e;
  }
}

/** The HTTP server, once it listens; rejects with a `config` RelayError when it cannot. */
export function listen(
  fetch: Fetch,
  host: string,
  port: number,
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: host, port }, (info) => {
      server.off('error', onError);
      resolve({ server, port: info.port });
    });
    const onError = (e: NodeJS.ErrnoException) => reject(listenError(e, host, port));
    server.once('error', onError);
  });
}
