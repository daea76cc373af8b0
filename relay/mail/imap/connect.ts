/**
 * Opens one logged-in imapflow connection to the address the SSRF guard checked, and records how far
 * the attempt got so "Check connection" can time and blame each step.
 */
import net from 'node:net';
import tls from 'node:tls';
import { ImapFlow, type ImapFlowOptions, type ImapTransport, type ImapTransportSocket } from 'imapflow';
import type { CheckStepName } from '../../../shared/connection-check.js';
import { RelayError } from '../../errors.js';
import type { ConnectTarget } from '../driver.js';
import { isAllowListed, resolveMailHost, type AllowList, type LookupAll } from '../net-guard.js';
import { classifyImapError } from './classify-error.js';

export interface ImapDriverOptions {
  allow: AllowList;
  /** DNS, TCP, TLS and the greeting, each; default 10 s. */
  connectTimeoutMs?: number;
  /** Silence allowed while a command runs (imapflow's socket inactivity timeout); default 30 s. */
  commandTimeoutMs?: number;
  lookup?: LookupAll;
  /** Extra trusted CA (PEM), for test servers; production uses the system store and NODE_EXTRA_CA_CERTS. */
  tls?: { ca?: string };
}

/** How far a connection attempt got, with the time each finished step took. */
export class ConnectProgress {
  phase: CheckStepName = 'connect';
  readonly ms: Partial<Record<CheckStepName, number>> = {};
  private last = performance.now();

  /** Ends the current phase and starts `next`. */
  advance(next: CheckStepName): void {
    const now = performance.now();
    this.ms[this.phase] = Math.round(now - this.last);
    this.last = now;
    this.phase = next;
  }

  /** Ends the last phase. */
  finish(): void {
    this.advance(this.phase);
  }

  /** Milliseconds spent in the current phase so far. */
  elapsed(): number {
    return Math.round(performance.now() - this.last);
  }
}

export async function connectImap(
  target: ConnectTarget,
  opts: ImapDriverOptions,
  progress = new ConnectProgress(),
): Promise<ImapFlow> {
  const { host, port, security } = target.imap;
  const ctx = { host, port, credentials: target.credentials.type };
  const connectTimeout = opts.connectTimeoutMs ?? 10_000;
  const { address } = await withTimeout(
    resolveMailHost(host, opts.allow, opts.lookup),
    connectTimeout,
    () =>
      new RelayError('dns', `The mail server name could not be resolved in time: ${host}`, {
        field: 'imap.host',
      }),
  );
  if (security === 'none' && !isAllowListed(opts.allow, host) && !isAllowListed(opts.allow, address)) {
    throw new RelayError(
      'blocked_host',
      'An unencrypted connection is only allowed to servers listed in RELAY_ALLOW_HOSTS.',
      { field: 'imap.security' },
    );
  }
  const client = new ImapFlow({
    host,
    port,
    secure: security === 'tls',
    // 'starttls': refuse to log in when STARTTLS is missing (a stripped capability is a downgrade
    // attack, RFC 9051 §11.1); 'none': imapflow would otherwise upgrade on its own.
    ...(security !== 'tls' && { doSTARTTLS: security === 'starttls' }),
    tls: {
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      ...(opts.tls?.ca !== undefined && { ca: opts.tls.ca }),
    },
    transport: pinnedTransport(address, security === 'none' ? 'login' : 'tls', progress),
    auth:
      target.credentials.type === 'password'
        ? { user: target.username, pass: target.credentials.password }
        : { user: target.username, accessToken: target.credentials.accessToken },
    clientInfo: { name: 'Mailbox Connect' },
    // Secrets must never reach a log: imapflow's logger would print commands and errors.
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout: opts.commandTimeoutMs ?? 30_000,
  } satisfies ImapFlowOptions);
  // imapflow reports a dropped connection as an 'error' event too; commands in flight reject anyway.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.close();
    throw classifyImapError(err, ctx);
  }
}

/** getaddrinfo has no timeout of its own and may take resolv.conf's retries × timeouts. */
async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * node:net and node:tls, but to the checked `address` instead of the host name (no second DNS lookup,
 * no rebinding). SNI and certificate verification still use the host name imapflow passes in
 * `servername` (Node checks the certificate against `servername`, else `host`).
 */
function pinnedTransport(address: string, afterTcp: CheckStepName, progress: ConnectProgress): ImapTransport {
  const handshaking = (socket: tls.TLSSocket, onSecure: () => void): tls.TLSSocket => {
    // An error before the handshake completes is a TLS failure, also a reset by the server.
    const markTls = (err: Error & { tlsFailed?: boolean }) => {
      if (progress.phase === 'tls') err.tlsFailed = true;
    };
    socket.prependListener('error', markTls);
    socket.once('secureConnect', () => {
      socket.removeListener('error', markTls);
      progress.advance('login');
      onSecure();
    });
    return socket;
  };
  return {
    connect(options, onConnect): ImapTransportSocket {
      const common = { host: address, port: options.port };
      if (!options.secure) {
        return net.connect(common, () => {
          progress.advance(afterTcp);
          onConnect();
        });
      }
      const socket = tls.connect({
        ...options.tls,
        ...common,
        ...(options.servername !== undefined && { servername: options.servername }),
        // Verified against the name the user typed, not the address connected to.
        checkServerIdentity: (_name, cert) =>
          tls.checkServerIdentity(options.servername ?? options.host, cert),
      });
      socket.once('connect', () => progress.advance('tls'));
      return handshaking(socket, onConnect);
    },
    upgrade(socket, options, onSecure): ImapTransportSocket {
      // STARTTLS (RFC 9051 §6.2.1): the handshake runs on the connected cleartext socket.
      const secured = tls.connect({
        ...options.tls,
        socket: socket as net.Socket,
        ...(options.servername !== undefined && { servername: options.servername }),
        checkServerIdentity: (_name, cert) =>
          tls.checkServerIdentity(options.servername ?? options.host, cert),
      });
      return handshaking(secured, onSecure);
    },
  };
}
