import type { ErrorKind } from '../../../shared/errors.js';
import { RelayError } from '../../errors.js';

/**
 * Where the URL points, for messages: host, port and database, never the user's password (nor the
 * URL itself, whose query may carry one as `password=`).
 */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    const database = decodeURIComponent(u.pathname.slice(1)) || u.searchParams.get('dbname') || 'default';
    return `PostgreSQL at ${host}:${u.port || '5432'} (database ${database})`;
  } catch {
    return 'PostgreSQL (RELAY_DATABASE_URL is not a valid URL)';
  }
}

type Mapping = [ErrorKind, string, { adminFault?: boolean; retryable?: boolean }?];

/** Node's errno codes of a connection that cannot be made or broke. */
const SOCKET: Record<string, Mapping> = {
  ENOTFOUND: ['dns', 'its host name is unknown'],
  EAI_AGAIN: ['dns', 'its host name could not be looked up'],
  ECONNREFUSED: ['network', 'the connection was refused'],
  ECONNRESET: ['network', 'the connection was reset'],
  EPIPE: ['network', 'the connection broke'],
  EHOSTUNREACH: ['network', 'the host is unreachable'],
  ENETUNREACH: ['network', 'the network is unreachable'],
  ETIMEDOUT: ['timeout', 'it did not answer in time'],
};

/** SQLSTATEs (PostgreSQL manual, Appendix A) that say the database, not a statement, failed. */
const SQLSTATE: Record<string, Mapping> = {
  '28P01': ['config', 'it refused the user name or password', { adminFault: true }],
  '28000': ['config', 'it refused the connection (pg_hba.conf)', { adminFault: true }],
  '3D000': ['config', 'the database does not exist', { adminFault: true }],
  '42501': ['config', 'the user lacks a privilege it needs', { adminFault: true }],
  '53300': ['network', 'it has too many connections'],
  '53100': ['storage', 'its disk is full', { retryable: true }],
  '57P01': ['network', 'it is shutting down'],
  '57P02': ['network', 'it is shutting down'],
  '57P03': ['network', 'it is starting up or shutting down'],
};

const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

function mappingOf(e: { code?: unknown; message?: unknown }): Mapping | undefined {
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (SOCKET[code]) return SOCKET[code];
  if (SQLSTATE[code]) return SQLSTATE[code];
  if (code.startsWith('08')) return ['network', 'the connection failed'];
  if (TLS_CODE.test(code) || /does not support SSL/.test(message))
    return ['tls', 'TLS could not be set up', { adminFault: true }];
  // pg's own wording (client.js, pg-pool): a timeout it enforces, a connection that ended.
  if (/timeout/i.test(message) && /connect/i.test(message)) return ['timeout', 'it did not answer in time'];
  if (/Connection terminated/.test(message)) return ['network', 'the connection ended'];
  return undefined;
}

/**
 * A failure of the database itself (unreachable, refused, gone) as a RelayError; null for anything
 * else (a statement's error, a bug), which the caller rethrows as it is. The cause is kept only for
 * errors of the server or the socket: a URL parser's error holds the whole URL.
 */
export function databaseError(err: unknown, target: string): RelayError | null {
  if (typeof err !== 'object' || err === null || err instanceof RelayError) return null;
  const e = err as { code?: unknown; message?: unknown };
  if (e.code === 'ERR_INVALID_URL')
    return new RelayError('config', 'RELAY_DATABASE_URL is not a valid postgres:// URL.', {
      adminFault: true,
    });
  const m = mappingOf(e);
  if (!m) return null;
  const [kind, why, opts] = m;
  return new RelayError(kind, `${target} cannot be used: ${why}.`, { ...opts, cause: err });
}

/** Rethrows `err` as `databaseError` makes it, or as it is. */
export function rethrow(err: unknown, target: string): never {
  throw databaseError(err, target) ?? err;
}

/** SQLSTATE 23505: a UNIQUE index refused the row. */
export const isUniqueViolation = (err: unknown, constraint?: string): boolean =>
  typeof err === 'object' &&
  err !== null &&
  (err as { code?: unknown }).code === '23505' &&
  (constraint === undefined || (err as { constraint?: unknown }).constraint === constraint);
