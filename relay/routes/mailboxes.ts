import { Hono } from 'hono';
import { MailboxCreate, MailboxUpdate } from '../../shared/mailbox.js';
import { SavedCheckRequest } from '../../shared/connection-check.js';
import { RelayError } from '../errors.js';
import type { ImportService } from '../import/import-service.js';
import type { MailboxDriver } from '../mail/driver.js';
import type { CredentialResolver } from '../mailboxes/credentials.js';
import type { MailboxService } from '../mailboxes/service.js';
import { toApi } from '../mailboxes/to-api.js';
import type { AppEnv } from './env.js';
import { IdParam } from './params.js';
import { validate } from './validate.js';

export const mailboxRoutes = (deps: {
  mailboxes: MailboxService;
  credentials: CredentialResolver;
  driver: MailboxDriver;
  imports: ImportService;
}) =>
  new Hono<AppEnv>()
    .get('/', async (c) => {
      const list = await deps.mailboxes.list(c.get('caller'));
      return c.json(list.map(toApi), 200);
    })
    .post('/', validate('json', MailboxCreate), async (c) => {
      const m = await deps.mailboxes.create(c.get('caller'), c.req.valid('json'));
      return c.json(toApi(m), 201);
    })
    .get('/:id', validate('param', IdParam), async (c) => {
      const m = await deps.mailboxes.get(c.get('caller'), c.req.valid('param').id);
      return c.json(toApi(m), 200);
    })
    .patch('/:id', validate('param', IdParam), validate('json', MailboxUpdate), async (c) => {
      const m = await deps.mailboxes.update(c.get('caller'), c.req.valid('param').id, c.req.valid('json'));
      return c.json(toApi(m), 200);
    })
    .delete('/:id', validate('param', IdParam), async (c) => {
      const { id } = c.req.valid('param');
      await deps.mailboxes.get(c.get('caller'), id, 'manage');
      if (deps.imports.isRunning(id))
        throw new RelayError(
          'conflict',
          'An import of this mailbox is running; delete it when the run has ended.',
        );
      await deps.mailboxes.remove(c.get('caller'), id);
      return c.body(null, 204);
    })
    .post('/:id/check', validate('param', IdParam), validate('json', SavedCheckRequest), async (c) => {
      const overrides = c.req.valid('json');
      // Sending the stored password elsewhere, or trying passwords on the account, is managing it.
      const changesTarget =
        overrides.imap !== undefined ||
        overrides.username !== undefined ||
        overrides.password !== undefined ||
        overrides.sharedMailbox !== undefined;
      const m = await deps.mailboxes.get(
        c.get('caller'),
        c.req.valid('param').id,
        changesTarget ? 'manage' : 'use',
      );
      return c.json(await deps.driver.check(await deps.credentials.targetFor(m, overrides)), 200);
    });
