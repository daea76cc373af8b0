import { z } from 'zod';
import { ErrorInfo } from './errors.js';

export const RunTrigger = z.enum(['manual', 'schedule', 'cli']);
export type RunTrigger = z.infer<typeof RunTrigger>;

/**
 * `interrupted`: the relay stopped (SIGTERM) or died (kill -9, power loss) before the run ended; its
 * counts are what it had done, read back from the ledger after a crash (issue 8).
 */
export const RunStatus = z.enum(['running', 'completed', 'failed', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

export const MailOutcomeKind = z.enum(['imported', 'not_imported', 'retrying', 'moved', 'skipped']);
export type MailOutcomeKind = z.infer<typeof MailOutcomeKind>;

export const NotImportedReason = z.enum(['no_documents', 'too_large', 'unparseable', 'rejected', 'gave_up']);
export type NotImportedReason = z.infer<typeof NotImportedReason>;

export const DocumentType = z.enum(['pdf', 'xml', 'png', 'jpeg', 'tiff']);
export type DocumentType = z.infer<typeof DocumentType>;

export const DocumentInfo = z.object({
  filename: z.string(),
  type: DocumentType,
  size: z.number(),
  sha256: z.string(),
});
export type DocumentInfo = z.infer<typeof DocumentInfo>;

export const MailResult = z.object({
  uid: z.number(),
  messageId: z.string().nullable(),
  subject: z.string().nullable(),
  from: z.string().nullable(),
  outcome: MailOutcomeKind,
  reason: NotImportedReason.nullable(),
  /** Why, in words: the transient error of a retry, the rejection text of the target. */
  detail: z.string().nullable(),
  documents: z.array(DocumentInfo),
});
export type MailResult = z.infer<typeof MailResult>;

export const RunCounts = z.object({
  seen: z.number(),
  imported: z.number(),
  notImported: z.number(),
  retrying: z.number(),
  skipped: z.number(),
});
export type RunCounts = z.infer<typeof RunCounts>;

export const ImportRun = z.object({
  id: z.string(),
  mailboxId: z.string(),
  trigger: RunTrigger,
  status: RunStatus,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  counts: RunCounts,
  error: ErrorInfo.nullable(),
  mails: z.array(MailResult),
});
export type ImportRun = z.infer<typeof ImportRun>;

/** Run history lists carry counts only; GET /api/runs/:id has the mails. */
export const ImportRunSummary = ImportRun.omit({ mails: true });
export type ImportRunSummary = z.infer<typeof ImportRunSummary>;
