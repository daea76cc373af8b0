import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorKind } from '../../shared/errors.js';

/** DESIGN §2: 400 invalid input, 401, 403, 404, 409 conflict, 429, 502 mail server failure. */
export const STATUS_OF: Record<ErrorKind, ContentfulStatusCode> = {
  validation: 400,
  blocked_host: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  folder_missing: 409,
  needs_reauth: 409,
  access_denied: 400,
  consent_required: 400,
  rate_limited: 429,
  dns: 502,
  network: 502,
  tls: 502,
  auth: 502,
  timeout: 504,
  protocol: 502,
  delivery: 502,
  config: 500,
  // The relay's own disk is full or read-only: it cannot serve this now (RFC 9110 §15.6.4).
  storage: 503,
  internal: 500,
};
