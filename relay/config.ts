import { join } from 'node:path';
import { z } from 'zod';
import { FAILPOINTS } from './import/failpoints.js';

const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  );

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** An http(s) URL without user:password@: fetch refuses those, and its error would print them. */
const httpUrl = () =>
  optional.pipe(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .refine(
        (u) => !/^[a-z]+:\/\/[^/]*@/i.test(u),
        'must not contain a user name or password (use the _TOKEN variable)',
      )
      .optional(),
  );

/** DESIGN.md §2: every variable the relay reads. Nothing else in the relay touches process.env. */
const Env = z.object({
  RELAY_HOST: z.string().default('127.0.0.1'),
  RELAY_PORT: int(8787, 0, 65535),
  RELAY_DATA_DIR: z.string().default('./data'),
  /** DESIGN §5: unset is the embedded store in the data directory. */
  RELAY_DATABASE_URL: optional.pipe(
    z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  ),
  /** Where the outbox is; several relays of one database share one (DESIGN §5). */
  RELAY_OUTBOX_DIR: optional,
  /** PostgreSQL: how often a relay looks for mailboxes that are due (and for runs a dead relay left). */
  RELAY_SCHEDULER_TICK_MS: int(5_000, 200, 300_000),
  RELAY_SECRET_KEY: optional,
  RELAY_SECRET_KEY_FILE: optional,
  RELAY_ALLOW_HOSTS: list,
  RELAY_DELIVERY_URL: httpUrl(),
  RELAY_DELIVERY_TOKEN: optional,
  RELAY_MS_CLIENT_ID: optional,
  RELAY_MS_CLIENT_SECRET: optional,
  RELAY_MS_AUTHORITY: z.url().default('https://login.microsoftonline.com/organizations'),
  RELAY_GOOGLE_CLIENT_ID: optional,
  RELAY_GOOGLE_CLIENT_SECRET: optional,
  RELAY_GOOGLE_AUTH_URL: z.url().default('https://accounts.google.com/o/oauth2/v2/auth'),
  RELAY_GOOGLE_TOKEN_URL: z.url().default('https://oauth2.googleapis.com/token'),
  RELAY_GOOGLE_REVOKE_URL: z.url().default('https://oauth2.googleapis.com/revoke'),
  /** Mails taken per run; the rest waits for the next run (DESIGN §3 step 1). */
  RELAY_MAX_MESSAGES: int(200, 1, 1_000_000),
  /** Mails larger than this are `too_large`, decided before any download. */
  RELAY_MAX_MAIL_MB: int(50, 1, 2048),
  RELAY_MAX_CONCURRENT_RUNS: int(4, 1, 64),
  /** Delivery tries before a mail is `gave_up`; the wait doubles from RELAY_RETRY_BASE_SECONDS. */
  RELAY_MAX_TRIES: int(5, 1, 100),
  RELAY_RETRY_BASE_SECONDS: int(60, 0, 86_400),
  /** Test-only fault injection: the process kills itself at this point of an import (crash tests). */
  RELAY_FAILPOINT: z.enum(FAILPOINTS).optional(),
  /** How long the HTTP delivery target may take to answer one mail before it counts as transient. */
  RELAY_DELIVERY_TIMEOUT_MS: int(60_000, 100, 600_000),
  RELAY_CHECKS_PER_MINUTE: int(30, 1, 10_000),
  RELAY_CONNECT_TIMEOUT_MS: int(10_000, 100, 120_000),
  RELAY_COMMAND_TIMEOUT_MS: int(60_000, 100, 600_000),
  RELAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  RELAY_LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** DESIGN §6 alerts: a webhook (JSON POST) and/or e-mail through an SMTP server. */
  RELAY_ALERT_URL: httpUrl(),
  RELAY_ALERT_TOKEN: optional,
  RELAY_SMTP_URL: optional.pipe(
    z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  ),
  RELAY_ALERT_EMAIL: optional.pipe(z.email({ error: 'must be an e-mail address' }).optional()),
  RELAY_ALERT_FROM: optional.pipe(z.email({ error: 'must be an e-mail address' }).optional()),
  /** Mails waiting for a retry this long raise an alert. */
  RELAY_ALERT_RETRYING_MINUTES: int(30, 0, 10_080),
  /** Tokens and secrets expiring within this many days raise an alert. */
  RELAY_ALERT_EXPIRY_DAYS: int(14, 0, 365),
  RELAY_MS_CLIENT_SECRET_EXPIRES: optional.pipe(
    z.iso
      .date({ error: 'must be a date (YYYY-MM-DD)' })
      .or(z.iso.datetime({ offset: true }))
      .optional(),
  ),
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(e: z.infer<typeof Env>) {
  return {
    host: e.RELAY_HOST,
    port: e.RELAY_PORT,
    dataDir: e.RELAY_DATA_DIR,
    databaseUrl: e.RELAY_DATABASE_URL,
    outboxDir: e.RELAY_OUTBOX_DIR ?? join(e.RELAY_DATA_DIR, 'outbox'),
    schedulerTickMs: e.RELAY_SCHEDULER_TICK_MS,
    secretKey: e.RELAY_SECRET_KEY,
    secretKeyFile: e.RELAY_SECRET_KEY_FILE,
    allowHosts: e.RELAY_ALLOW_HOSTS,
    delivery: e.RELAY_DELIVERY_URL
      ? { url: e.RELAY_DELIVERY_URL, token: e.RELAY_DELIVERY_TOKEN, timeoutMs: e.RELAY_DELIVERY_TIMEOUT_MS }
      : null,
    microsoft: {
      clientId: e.RELAY_MS_CLIENT_ID,
      clientSecret: e.RELAY_MS_CLIENT_SECRET,
      authority: e.RELAY_MS_AUTHORITY,
    },
    google: {
      clientId: e.RELAY_GOOGLE_CLIENT_ID,
      clientSecret: e.RELAY_GOOGLE_CLIENT_SECRET,
      authUrl: e.RELAY_GOOGLE_AUTH_URL,
      tokenUrl: e.RELAY_GOOGLE_TOKEN_URL,
      revokeUrl: e.RELAY_GOOGLE_REVOKE_URL,
    },
    import: {
      maxMessages: e.RELAY_MAX_MESSAGES,
      maxMailBytes: e.RELAY_MAX_MAIL_MB * 1024 * 1024,
      maxConcurrentRuns: e.RELAY_MAX_CONCURRENT_RUNS,
      maxTries: e.RELAY_MAX_TRIES,
      retryBaseMs: e.RELAY_RETRY_BASE_SECONDS * 1000,
      // A COPY on a connection that timed out may finish on the server up to about then.
      copyGraceMs: 2 * e.RELAY_COMMAND_TIMEOUT_MS,
    },
    failpoint: e.RELAY_FAILPOINT,
    checksPerMinute: e.RELAY_CHECKS_PER_MINUTE,
    timeouts: { connectMs: e.RELAY_CONNECT_TIMEOUT_MS, commandMs: e.RELAY_COMMAND_TIMEOUT_MS },
    log: { level: e.RELAY_LOG_LEVEL, format: e.RELAY_LOG_FORMAT },
    alerts: {
      url: e.RELAY_ALERT_URL,
      token: e.RELAY_ALERT_TOKEN,
      smtpUrl: e.RELAY_SMTP_URL,
      email: e.RELAY_ALERT_EMAIL,
      from: e.RELAY_ALERT_FROM,
      retryingMinutes: e.RELAY_ALERT_RETRYING_MINUTES,
      expiryDays: e.RELAY_ALERT_EXPIRY_DAYS,
      msClientSecretExpires: e.RELAY_MS_CLIENT_SECRET_EXPIRES,
    },
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once at start; a bad variable stops the relay with its name and the reason. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid relay configuration:\n  ${lines.join('\n  ')}`);
  }
  return toConfig(parsed.data);
}
