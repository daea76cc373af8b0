import { createMiddleware } from 'hono/factory';
import { RelayError } from '../errors.js';
import type { TokenRepository } from '../store/repository.js';
import type { AppEnv } from './env.js';

/** Bearer tokens (RFC 6750 §2.1); a missing, unknown or revoked token is 401. */
export const requireToken = (tokens: TokenRepository) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      c.header('WWW-Authenticate', 'Bearer realm="mailbox-connect"');
      throw new RelayError('unauthorized', 'An API token is required (Authorization: Bearer <token>).');
    }
    const caller = await tokens.verify(match[1]);
    if (!caller) {
      c.header('WWW-Authenticate', 'Bearer realm="mailbox-connect", error="invalid_token"');
      throw new RelayError('unauthorized', 'The API token is unknown or revoked.');
    }
    c.set('caller', caller);
    await next();
  });
