import { RelayError } from '../errors.js';

/** errno codes of the relay's own disk failing it (open(2), write(2), rename(2), fsync(2)). */
const SENTENCES: Record<string, (path: string) => string> = {
  ENOSPC: (p) => `The relay's disk is full: ${p} could not be written.`,
  EDQUOT: (p) => `The relay's disk quota is used up: ${p} could not be written.`,
  EROFS: (p) => `The relay's disk is read-only: ${p} could not be written.`,
  EIO: (p) => `The relay's disk failed (I/O error) writing ${p}.`,
};

const NEXT_STEP =
  ' Free space on the disk that holds RELAY_DATA_DIR; the mails not yet imported stay in the source folder until then.';

/**
 * A failure of the relay's disk as a `storage` RelayError (issue 8), found also as the cause of a
 * wrapping error; null for anything else. Such a failure is never a verdict on a mail.
 */
export function storageError(err: unknown, dataDir?: string): RelayError | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RelayError && e.kind === 'storage') return e;
    const { code, path } = e as { code?: unknown; path?: unknown };
    const sentence = typeof code === 'string' ? SENTENCES[code] : undefined;
    if (sentence) {
      // write(2) errors name no path; open(2) and rename(2) errors do.
      const where = typeof path === 'string' ? path : dataDir ? `a file in ${dataDir}` : 'a file';
      return new RelayError('storage', sentence(where) + NEXT_STEP, { cause: err, retryable: true });
    }
  }
  return null;
}
