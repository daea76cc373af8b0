import type { StagedMail } from './staging.js';

/** What the receiving side learns of a mail besides its documents (the outbox's message.json). */
export interface MailMetadata {
  mailboxId: string;
  mailbox: string;
  company: string;
  folder: string;
  uidValidity: string;
  uid: number;
  messageId: string | null;
  from: string | null;
  subject: string | null;
  date: string | null;
  rawSha256: string;
}

export type DeliveryResult =
  | { status: 'accepted' }
  | { status: 'rejected'; detail: string }
  | { status: 'transient'; detail: string };

/**
 * Where documents go. `key` is the same for every attempt at one mail, so a retry after a crash
 * replaces or is recognised instead of delivering twice.
 */
export interface DeliveryTarget {
  deliver(key: string, mail: StagedMail, meta: MailMetadata): Promise<DeliveryResult>;
  /** Makes every delivery so far durable; called once per batch, before the ledger records it. */
  flush(): Promise<void>;
}
