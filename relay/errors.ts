import type { ErrorInfo, ErrorKind } from '../shared/errors.js';

/** Kinds worth retrying later without anyone changing a setting. */
const RETRYABLE: ReadonlySet<ErrorKind> = new Set(['dns', 'network', 'timeout', 'rate_limited', 'delivery']);

/**
 * A failure at a module edge (STYLE.md habit 5). Thrown inside the relay, turned into an HTTP error
 * body by the app's error handler, and into a per-mail or per-run reason by the import pipeline.
 */
export class RelayError extends Error {
  readonly kind: ErrorKind;
  readonly field: string | undefined;
  readonly retryable: boolean;
  /**
   * Only the relay's administrator can fix it (e.g. an expired client secret); the user can do
   * nothing. Alerts to the administrator are built on it later (issue 9); not sent to the extension.
   */
  readonly adminFault: boolean;

  constructor(
    kind: ErrorKind,
    message: string,
    opts: { field?: string; retryable?: boolean; adminFault?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'RelayError';
    this.kind = kind;
    this.field = opts.field;
    this.retryable = opts.retryable ?? RETRYABLE.has(kind);
    this.adminFault = opts.adminFault ?? false;
  }

  toInfo(): ErrorInfo {
    return this.field === undefined
      ? { kind: this.kind, message: this.message }
      : { kind: this.kind, message: this.message, field: this.field };
  }
}

export const isRelayError = (e: unknown): e is RelayError => e instanceof RelayError;

/** A failure the relay's administrator must fix (see `RelayError.adminFault`). */
export const isAdminFault = (e: unknown): e is RelayError => e instanceof RelayError && e.adminFault;
