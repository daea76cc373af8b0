import { createHash } from 'node:crypto';

/**
 * A key for PostgreSQL's one-bigint advisory locks: the first 8 bytes (signed) of SHA-256. One key
 * space for the whole database, so every name gets a prefix of ours.
 */
export const advisoryKey = (name: string): string =>
  createHash('sha256').update(name).digest().readBigInt64BE(0).toString();

export const mailboxLockKey = (mailboxId: string): string => advisoryKey(`mailbox-connect:${mailboxId}`);

/** Held while one relay migrates; the others wait for it. */
export const SCHEMA_LOCK_KEY = advisoryKey('mailbox-connect schema');
