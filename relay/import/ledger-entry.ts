import { z } from 'zod';
import { NotImportedReason } from '../../shared/run.js';

/**
 * With `copying`: the target and its UIDVALIDITY and UIDNEXT just before the COPY, so a copy made by
 * it has a UID of at least `uidNext` (RFC 9051 §2.3.1.1) and older twins are not mistaken for it.
 */
export const CopyTarget = z.object({
  path: z.string(),
  uidValidity: z.string(),
  uidNext: z.number().int(),
});
export type CopyTarget = z.infer<typeof CopyTarget>;

/**
 * What the relay knows of one mail, keyed (folder, uidValidity, uid) as RFC 9051 §2.3.1.1 makes
 * that triple unique for the life of a mailbox; Message-ID and hashes re-match a mail whose UID
 * changed with UIDVALIDITY.
 */
export const LedgerEntry = z.object({
  folder: z.string(),
  uidValidity: z.string(),
  uid: z.number().int().nonnegative(),
  messageId: z.string().nullable(),
  rawSha256: z.string().nullable(),
  documents: z.array(z.string()),
  /**
   * decided: outcome stored, move pending. copying: on a server without MOVE, a UID COPY to
   * `target` was (maybe) sent and the source copy not yet removed. moved: done. retrying: transient
   * failure, stays in the source.
   */
  status: z.enum(['decided', 'copying', 'moved', 'retrying']),
  outcome: z.enum(['imported', 'not_imported']).nullable(),
  reason: NotImportedReason.nullable(),
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: z.string().nullable(),
  at: z.string(),
  /** RFC822.SIZE, to find this mail's copy in a target folder (absent in entries before issue 8). */
  size: z.number().int().optional(),
  /** The run that wrote this entry: an interrupted run's counts are read back from it. */
  runId: z.string().optional(),
  target: CopyTarget.optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;
