import type { StoredConsent, StoredMailbox } from './records.js';

/**
 * The store behind routes and the pipeline (DESIGN §5): lowdb now, a PostgreSQL adapter later,
 * without touching either.
 */
export interface MailboxRepository {
  list(): Promise<StoredMailbox[]>;
  get(id: string): Promise<StoredMailbox | undefined>;
  insert(mailbox: StoredMailbox): Promise<void>;
  /** Applies `change` to the current record and stores the result; undefined when it is gone. */
  update(id: string, change: (current: StoredMailbox) => StoredMailbox): Promise<StoredMailbox | undefined>;
  remove(id: string): Promise<boolean>;
}

export interface ConsentRepository {
  listConsents(): Promise<StoredConsent[]>;
  recordConsent(consent: StoredConsent): Promise<void>;
}
