import type { Mailbox } from '../../shared/mailbox.js';
import type { StoredMailbox } from '../store/records.js';

/** The API shape: every secret replaced by whether it is there (DESIGN §1 `password` is write-only). */
export function toApi(m: StoredMailbox): Mailbox {
  const { secrets, ...rest } = m;
  return { ...rest, hasPassword: secrets.password !== undefined };
}
