import { RelayError } from '../errors.js';

/** A wrong command line: one line on stderr and exit 2 (DESIGN §2), never a stack trace. */
export class UsageError extends RelayError {
  constructor(message: string) {
    super('validation', message);
    this.name = 'UsageError';
  }
}

export const isUsageError = (e: unknown): e is UsageError => e instanceof UsageError;
