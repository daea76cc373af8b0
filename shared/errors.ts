import { z } from 'zod';

/**
 * Every failure that crosses a module edge (driver → pipeline, relay → extension) is a value with a
 * `kind`; the extension maps each kind to a sentence (STYLE.md habit 5).
 */
export const ErrorKind = z.enum([
  'validation',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'blocked_host',
  'dns',
  'network',
  'tls',
  'auth',
  'timeout',
  'protocol',
  'folder_missing',
  'needs_reauth',
  'access_denied',
  'consent_required',
  'config',
  'delivery',
  /** The relay's own disk: full (ENOSPC), over quota, read-only. Nothing is moved (issue 8). */
  'storage',
  'internal',
]);
export type ErrorKind = z.infer<typeof ErrorKind>;

export const ErrorInfo = z.object({
  kind: ErrorKind,
  message: z.string(),
  field: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/** The body of every non-2xx relay response. */
export const ApiErrorBody = z.object({ error: ErrorInfo });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
