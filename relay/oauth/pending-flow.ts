import { z } from 'zod';

/** A sign-in between its start and its completion: bound to the API token that started it. */
export const PendingFlow = z.object({
  kind: z.enum(['connect', 'consent']),
  provider: z.enum(['microsoft', 'google']),
  tokenId: z.string(),
  redirectUri: z.string(),
  codeVerifier: z.string(),
  /** A reconnect of this mailbox; undefined for a new one. */
  mailboxId: z.string().optional(),
  /** Epoch milliseconds. */
  expiresAt: z.number(),
});
export type PendingFlow = z.infer<typeof PendingFlow>;

/** Ten minutes from start to complete, as long as a person needs to sign in. */
export const PENDING_FLOW_TTL_MS = 10 * 60_000;
