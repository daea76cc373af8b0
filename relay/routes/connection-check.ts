import { Hono } from 'hono';
import { ConnectionCheckRequest } from '../../shared/connection-check.js';
import type { MailboxDriver } from '../mail/driver.js';
import type { AppEnv } from './env.js';
import { validate } from './validate.js';

/** "Check connection and load folders" for settings not saved yet. */
export const connectionCheckRoutes = (deps: { driver: MailboxDriver }) =>
  new Hono<AppEnv>().post('/', validate('json', ConnectionCheckRequest), async (c) => {
    const { imap, username, password } = c.req.valid('json');
    const result = await deps.driver.check({ imap, username, credentials: { type: 'password', password } });
    return c.json(result, 200);
  });
