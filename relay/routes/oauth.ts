import { Hono } from 'hono';
import { z } from 'zod';
import {
  ConsentStartRequest,
  OAuthCompleteRequest,
  OAuthProvider,
  OAuthStartRequest,
} from '../../shared/oauth.js';
import { toApi } from '../mailboxes/to-api.js';
import type { ConnectFlow } from '../oauth/connect-flow.js';
import type { ConsentFlow } from '../oauth/consent-flow.js';
import type { AppEnv } from './env.js';
import { validate } from './validate.js';

const ProviderParam = z.object({ provider: OAuthProvider });

/** POST /api/oauth/:provider/start · complete: connect or reconnect an Office 365 / Gmail mailbox. */
export const oauthRoutes = (deps: { connect: ConnectFlow }) =>
  new Hono<AppEnv>()
    .post(
      '/:provider/start',
      validate('param', ProviderParam),
      validate('json', OAuthStartRequest),
      async (c) => {
        const { redirectUri, mailboxId } = c.req.valid('json');
        return c.json(
          await deps.connect.start(c.get('caller'), c.req.valid('param').provider, redirectUri, mailboxId),
          200,
        );
      },
    )
    .post(
      '/:provider/complete',
      validate('param', ProviderParam),
      validate('json', OAuthCompleteRequest),
      async (c) => {
        const { state, redirectUrl } = c.req.valid('json');
        const m = await deps.connect.complete(
          c.get('caller'),
          c.req.valid('param').provider,
          state,
          redirectUrl,
        );
        return c.json(toApi(m), 201);
      },
    );

/** The tenant-wide Office 365 admin consent. */
export const consentRoutes = (deps: { consent: ConsentFlow }) =>
  new Hono<AppEnv>()
    .get('/', async (c) => c.json(await deps.consent.list(), 200))
    .post('/start', validate('json', ConsentStartRequest), async (c) =>
      c.json(await deps.consent.start(c.get('caller'), c.req.valid('json').redirectUri), 200),
    )
    .post('/complete', validate('json', OAuthCompleteRequest), async (c) => {
      const { state, redirectUrl } = c.req.valid('json');
      return c.json(await deps.consent.complete(c.get('caller'), state, redirectUrl), 201);
    });
