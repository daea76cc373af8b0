import { createMiddleware } from 'hono/factory';
import { RelayError } from '../errors.js';
import type { AppEnv } from './env.js';

/**
 * At most `perMinute` requests per API token in any sliding minute. Connection checks reach out to
 * hosts the caller names and time each step: without a limit the relay would be a port scanner and
 * a password-guessing proxy (429, RFC 6585 §4, with Retry-After).
 */
export const rateLimit = (perMinute: number, now: () => number = Date.now) => {
  const seen = new Map<string, number[]>();
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.get('caller').tokenId;
    const t = now();
    const recent = (seen.get(key) ?? []).filter((at) => at > t - 60_000);
    if (recent.length >= perMinute) {
      c.header('Retry-After', String(Math.ceil((recent[0]! + 60_000 - t) / 1000)));
      throw new RelayError(
        'rate_limited',
        `Too many connection checks: at most ${perMinute} a minute. Try again shortly.`,
      );
    }
    recent.push(t);
    seen.set(key, recent);
    await next();
  });
};
