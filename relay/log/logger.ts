import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names that hold secrets anywhere in a logged object: pino blanks them before a line is
 * written (DESIGN §6: never a secret, a token or a password in the log). The code never logs such
 * objects on purpose; this is the net under it.
 */
const SECRET_KEYS = [
  'password',
  'pass',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'id_token',
  'idToken',
  'token',
  'clientSecret',
  'client_secret',
  'secret',
  'secrets',
  'authorization',
  'cookie',
  'codeVerifier',
];
const REDACT = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  kind?: unknown;
  stack?: unknown;
  cause?: unknown;
}

function errorFields(e: unknown, depth = 0): Record<string, unknown> {
  if (typeof e !== 'object' || e === null) return { message: String(e) };
  const x = e as ErrorLike;
  return {
    type: typeof x.name === 'string' ? x.name : 'Error',
    message: typeof x.message === 'string' ? x.message : String(e),
    ...(typeof x.code === 'string' || typeof x.code === 'number' ? { code: x.code } : {}),
    ...(typeof x.kind === 'string' ? { kind: x.kind } : {}),
    ...(typeof x.stack === 'string' ? { stack: x.stack } : {}),
    ...(x.cause !== undefined && depth < 3 ? { cause: errorFields(x.cause, depth + 1) } : {}),
  };
}

export interface LogOptions {
  level: string;
  format: 'json' | 'pretty';
}

/**
 * The relay's one logger: JSON lines on stdout (RELAY_LOG_FORMAT=json), or pino-pretty's output for
 * people (`pretty`). `destination` is for tests, which read the lines back.
 */
export function createLogger(opts: LogOptions, destination?: DestinationStream): Logger {
  const options = {
    level: opts.level,
    base: { service: 'mailbox-connect-relay' },
    redact: { paths: REDACT, censor: '[redacted]' },
    // Library errors (gaxios, undici, MSAL) carry request configs, headers and form bodies: only
    // what says what went wrong is kept.
    serializers: { err: errorFields },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (opts.format === 'pretty')
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  return pino(options);
}

/** For code run without a relay's logger (unit tests, helpers): writes nothing. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
