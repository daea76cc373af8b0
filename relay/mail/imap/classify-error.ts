/**
 * Turns what imapflow, node:net and node:tls throw into a RelayError with a kind and a sentence a user
 * understands. Never copies a stack, a command line or a credential into the message.
 */
import type { ErrorKind } from '../../../shared/errors.js';
import { RelayError } from '../../errors.js';

export interface ErrorContext {
  host: string;
  port: number;
  /** How the login was attempted, for the wording of auth failures. */
  credentials?: 'password' | 'oauth2';
  /** False while connecting: a lost connection then reads "could not connect". */
  connected?: boolean;
}

/** The fields imapflow and Node set on their errors (imapflow lib/errors.ts, Node's SystemError). */
interface WireError {
  code?: unknown;
  authenticationFailed?: unknown;
  tlsFailed?: unknown;
  serverResponseCode?: unknown;
  responseStatus?: unknown;
  responseText?: unknown;
  message?: unknown;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA', 'ENONAME']);
// One message for refused, unreachable, reset and timed-out ports, so the relay cannot serve as a port scanner.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EADDRNOTAVAIL',
  'CONNECT_TIMEOUT',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
]);
const TIMEOUT_CODES = new Set(['ETIMEOUT', 'GREETING_TIMEOUT', 'LockTimeout']);
// Node's certificate verification results (OpenSSL X509_V_ERR_* names) that mean "not trusted".
const CERT_CODE = /CERT|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY|SELF_SIGNED|CHAIN|SIGNATURE/;
// RFC 5530 response codes that say "not now", not "wrong credentials": they must not pause the mailbox.
const TEMPORARY_AUTH_CODES = new Set(['UNAVAILABLE', 'SERVERBUG', 'INUSE']);

type Verdict = [kind: ErrorKind, message: string, retryable?: boolean];

export function classifyImapError(err: unknown, ctx: ErrorContext): RelayError {
  if (err instanceof RelayError) return err;
  const e: WireError = typeof err === 'object' && err !== null ? (err as WireError) : {};
  const [kind, message, retryable] = verdict(err, e, typeof e.code === 'string' ? e.code : '', ctx);
  return new RelayError(kind, message, { cause: err, ...(retryable !== undefined && { retryable }) });
}

function verdict(err: unknown, e: WireError, code: string, ctx: ErrorContext): Verdict {
  const { host, port } = ctx;
  if (e.authenticationFailed === true || (err instanceof Error && err.name === 'AuthenticationFailure')) {
    return authVerdict(e, ctx);
  }
  if (DNS_CODES.has(code)) return ['dns', `The mail server name could not be found: ${host}`];
  if (e.tlsFailed === true || /^(ERR_TLS|ERR_SSL|EPROTO$)/.test(code) || CERT_CODE.test(code)) {
    return ['tls', tlsMessage(code, e, ctx)];
  }
  if (NETWORK_CODES.has(code)) {
    return [
      'network',
      ctx.connected ? `The connection to ${host} was lost.` : `Could not connect to ${host} on port ${port}.`,
    ];
  }
  if (code === 'GREETING_TIMEOUT') {
    return ['timeout', `${host} did not answer like an IMAP server on port ${port}. ${CHECK_SETTINGS}`];
  }
  if (TIMEOUT_CODES.has(code)) return ['timeout', `The mail server ${host} did not answer in time.`];
  if (code === 'ETHROTTLE')
    return ['rate_limited', 'The mail server is throttling requests. Try again later.'];
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) {
    return ['internal', 'An unexpected error occurred in the relay.'];
  }
  const text = serverText(e.responseText);
  return [
    'protocol',
    text
      ? `The mail server refused the request: ${text}`
      : `The mail server ${host} sent an unexpected answer.`,
  ];
}

function authVerdict(e: WireError, ctx: ErrorContext): Verdict {
  const responseCode = typeof e.serverResponseCode === 'string' ? e.serverResponseCode.toUpperCase() : '';
  if (responseCode === 'LIMIT') {
    return [
      'rate_limited',
      'The mail server refused the login for now: too many connections or attempts. Try again later.',
    ];
  }
  if (TEMPORARY_AUTH_CODES.has(responseCode)) {
    return ['protocol', 'The mail server could not check the login right now. Try again later.', true];
  }
  if (e.message === 'Login is disabled') {
    return ['auth', 'The mail server does not allow logging in over an unencrypted connection.'];
  }
  return ctx.credentials === 'oauth2'
    ? ['auth', 'The mail server refused the sign-in. Reconnect the account.']
    : ['auth', 'The mail server refused the user name or password.'];
}

const CHECK_SETTINGS = 'Check the port and the secure connection setting.';

function tlsMessage(code: string, e: WireError, ctx: ErrorContext): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `The mail server's certificate is not valid for ${ctx.host}.`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return "The mail server's certificate has expired or is not yet valid.";
  }
  if (CERT_CODE.test(code)) {
    return "The mail server's certificate is not trusted (it is self-signed or issued by an unknown authority).";
  }
  if (typeof e.message === 'string' && /STARTTLS/.test(e.message) && !code) {
    return `The mail server does not offer STARTTLS on port ${ctx.port}. Choose another secure connection setting.`;
  }
  return `Could not establish a secure connection to ${ctx.host} on port ${ctx.port}. ${CHECK_SETTINGS}`;
}

/** The server's own words, one short line, printable characters only. */
function serverText(value: unknown): string {
  if (typeof value !== 'string') return '';
  const line = value.replace(/[\p{Cc}\p{Cf}]+/gu, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
