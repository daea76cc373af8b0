import { z } from 'zod';
import { Mailbox } from '../../shared/mailbox.js';

/** A mailbox as stored: the API shape without `hasPassword`, plus its sealed secrets. */
export const StoredMailbox = Mailbox.omit({ hasPassword: true }).extend({
  secrets: z.object({
    password: z.string().optional(),
    oauth: z.string().optional(),
  }),
});
export type StoredMailbox = z.infer<typeof StoredMailbox>;

export const StoredConsent = z.object({
  tenant: z.string(),
  consentedAt: z.string(),
  consentedBy: z.string(),
});
export type StoredConsent = z.infer<typeof StoredConsent>;

export const DbData = z.object({
  version: z.literal(1),
  mailboxes: z.array(StoredMailbox),
  consents: z.array(StoredConsent).default([]),
});
export type DbData = z.infer<typeof DbData>;

export const emptyDb = (): DbData => ({ version: 1, mailboxes: [], consents: [] });

export const StoredToken = z.object({
  id: z.string(),
  user: z.string(),
  roles: z.array(z.string()),
  /** SHA-256 of the token: the token itself is shown once and never stored. */
  hash: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type StoredToken = z.infer<typeof StoredToken>;

export const TokenData = z.object({ version: z.literal(1), tokens: z.array(StoredToken) });
export type TokenData = z.infer<typeof TokenData>;
