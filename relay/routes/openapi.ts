import { Hono } from 'hono';
import { z } from 'zod';
import {
  ConnectionCheckRequest,
  ConnectionCheckResult,
  SavedCheckRequest,
} from '../../shared/connection-check.js';
import { Alert } from '../../shared/alert.js';
import { ApiErrorBody } from '../../shared/errors.js';
import { Mailbox, MailboxCreate, MailboxUpdate } from '../../shared/mailbox.js';
import { Me } from '../../shared/me.js';
import { ImportRun, ImportRunSummary } from '../../shared/run.js';
import {
  Consent,
  ConsentStartRequest,
  OAuthCompleteRequest,
  OAuthStartRequest,
  OAuthStartResponse,
} from '../../shared/oauth.js';

const schemas = {
  Mailbox,
  MailboxCreate,
  MailboxUpdate,
  ConnectionCheckRequest,
  SavedCheckRequest,
  ConnectionCheckResult,
  ImportRun,
  ImportRunSummary,
  Me,
  OAuthStartRequest,
  OAuthStartResponse,
  OAuthCompleteRequest,
  ConsentStartRequest,
  Consent,
  AlertList: z.object({ alerts: z.array(Alert) }),
  Error: ApiErrorBody,
};
type Name = keyof typeof schemas;

const ref = (name: Name) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ok = (status: number, name: Name | null, array = false) => ({
  [status]:
    name === null
      ? { description: 'No content' }
      : { description: 'OK', ...json(array ? { type: 'array', items: ref(name) } : ref(name)) },
});
const errors = { default: { description: 'Error', ...json(ref('Error')) } };
const op = (summary: string, responses: object, body?: Name) => ({
  summary,
  ...(body ? { requestBody: { required: true, ...json(ref(body)) } } : {}),
  responses: { ...responses, ...errors },
});
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];

/** The OpenAPI 3.1 document, its schemas generated from the same zod schemas the routes validate with. */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'Mailbox Connect relay', version },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: Object.fromEntries(
        Object.entries(schemas).map(([k, s]) => [
          k,
          z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }),
        ]),
      ),
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/health': { get: { ...op('Health and version', { 200: { description: 'OK' } }), security: [] } },
      '/api/health/details': {
        get: op('Store, scheduler, running runs, overdue mailbox, open alerts (admin or metrics)', {
          200: { description: 'OK' },
        }),
      },
      '/api/alerts': { get: op('Open and recent alerts the caller may see', ok(200, 'AlertList')) },
      '/metrics': {
        get: op('Prometheus metrics, text format (admin or metrics)', {
          200: { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } },
        }),
      },
      '/api/me': { get: op('Who the token belongs to', ok(200, 'Me')) },
      '/api/mailboxes': {
        get: op('Mailboxes the caller may see', ok(200, 'Mailbox', true)),
        post: op('Create an IMAP mailbox', ok(201, 'Mailbox'), 'MailboxCreate'),
      },
      '/api/mailboxes/{id}': {
        parameters: idParam,
        get: op('One mailbox', ok(200, 'Mailbox')),
        patch: op(
          'Change a mailbox (a missing password keeps the stored one)',
          ok(200, 'Mailbox'),
          'MailboxUpdate',
        ),
        delete: op('Delete a mailbox and its secrets', ok(204, null)),
      },
      '/api/mailboxes/{id}/check': {
        parameters: idParam,
        post: op(
          'Check connection and load folders (stored settings)',
          ok(200, 'ConnectionCheckResult'),
          'SavedCheckRequest',
        ),
      },
      '/api/connection-check': {
        post: op(
          'Check connection and load folders (unsaved settings)',
          ok(200, 'ConnectionCheckResult'),
          'ConnectionCheckRequest',
        ),
      },
      '/api/mailboxes/{id}/runs': {
        parameters: idParam,
        get: op('Run history, newest first', ok(200, 'ImportRunSummary', true)),
        post: op('Import now (409 while a run is going)', ok(202, 'ImportRun')),
      },
      '/api/runs/{id}': { parameters: idParam, get: op('One run with its mails', ok(200, 'ImportRun')) },
      '/api/oauth/{provider}/start': {
        parameters: [
          { name: 'provider', in: 'path', required: true, schema: { enum: ['microsoft', 'google'] } },
        ],
        post: op(
          'Start connecting (or reconnecting) an OAuth mailbox',
          ok(200, 'OAuthStartResponse'),
          'OAuthStartRequest',
        ),
      },
      '/api/oauth/{provider}/complete': {
        parameters: [
          { name: 'provider', in: 'path', required: true, schema: { enum: ['microsoft', 'google'] } },
        ],
        post: op(
          'Finish the sign-in: the new or re-authorised mailbox',
          ok(201, 'Mailbox'),
          'OAuthCompleteRequest',
        ),
      },
      '/api/consent/microsoft': { get: op('Tenants that gave the admin consent', ok(200, 'Consent', true)) },
      '/api/consent/microsoft/start': {
        post: op(
          'Start the tenant-wide admin consent (Azure Active Directory Manager)',
          ok(200, 'OAuthStartResponse'),
          'ConsentStartRequest',
        ),
      },
      '/api/consent/microsoft/complete': {
        post: op('Record the admin consent', ok(201, 'Consent'), 'OAuthCompleteRequest'),
      },
    },
  };
}

export const openApiRoutes = (version: string) => {
  const doc = openApiDocument(version);
  return new Hono().get('/', (c) => c.json(doc, 200));
};
