import { Hono } from 'hono';
import { RelayError } from '../errors.js';
import type { ImportService } from '../import/import-service.js';
import type { RunRepository } from '../store/repository.js';
import type { MailboxService } from '../mailboxes/service.js';
import type { AppEnv } from './env.js';
import { IdParam } from './params.js';
import { validate } from './validate.js';

export interface RunRouteDeps {
  mailboxes: MailboxService;
  imports: ImportService;
  runs: RunRepository;
}

/** POST/GET /api/mailboxes/:id/runs: import now, and the history. */
export const mailboxRunRoutes = (deps: RunRouteDeps) =>
  new Hono<AppEnv>()
    .post('/:id/runs', validate('param', IdParam), async (c) => {
      const m = await deps.mailboxes.get(c.get('caller'), c.req.valid('param').id);
      for (const [field, label] of [
        ['imported', 'Move imported mails to'],
        ['notImported', 'Move not imported mails to'],
      ] as const)
        if (m.folders[field] === null)
          throw new RelayError('validation', `folders.${field} ("${label}") must be set before importing`, {
            field: `folders.${field}`,
          });
      const { run, done } = await deps.imports.start(m.id, 'manual');
      done.catch(() => {});
      return c.json(run, 202);
    })
    .get('/:id/runs', validate('param', IdParam), async (c) => {
      const m = await deps.mailboxes.get(c.get('caller'), c.req.valid('param').id);
      return c.json(await deps.runs.list(m.id), 200);
    });

/** GET /api/runs/:id: one run with every mail's outcome, live while it runs. */
export const runRoutes = (deps: RunRouteDeps) =>
  new Hono<AppEnv>().get('/:id', validate('param', IdParam), async (c) => {
    const run = await deps.imports.get(c.req.valid('param').id);
    if (!run) throw new RelayError('not_found', 'No such run.');
    await deps.mailboxes.get(c.get('caller'), run.mailboxId);
    return c.json(run, 200);
  });
