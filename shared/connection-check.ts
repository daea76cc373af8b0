import { z } from 'zod';
import { ErrorInfo } from './errors.js';
import { ImapSettings } from './imap-settings.js';
import { SharedMailbox } from './mailbox.js';
import { Password, singleLine } from './text.js';

export const CheckStepName = z.enum(['connect', 'tls', 'login', 'list']);
export type CheckStepName = z.infer<typeof CheckStepName>;

export const CheckStep = z.object({
  step: CheckStepName,
  ok: z.boolean(),
  ms: z.number(),
  error: ErrorInfo.optional(),
});
export type CheckStep = z.infer<typeof CheckStep>;

export const FolderInfo = z.object({
  path: z.string(),
  name: z.string(),
  delimiter: z.string().nullable(),
  specialUse: z.string().optional(),
});
export type FolderInfo = z.infer<typeof FolderInfo>;

/** "Check connection and load folders". */
export const ConnectionCheckResult = z.object({
  ok: z.boolean(),
  steps: z.array(CheckStep),
  folders: z.array(FolderInfo),
  error: ErrorInfo.optional(),
});
export type ConnectionCheckResult = z.infer<typeof ConnectionCheckResult>;

/** POST /api/connection-check: unsaved settings, typed into the form. */
export const ConnectionCheckRequest = z.strictObject({
  imap: ImapSettings,
  username: singleLine(320),
  password: Password,
});
export type ConnectionCheckRequest = z.infer<typeof ConnectionCheckRequest>;

/** POST /api/mailboxes/:id/check: the stored settings, optionally with edits not yet saved. */
export const SavedCheckRequest = z.strictObject({
  imap: ImapSettings.optional(),
  /** "Use shared mailbox" as edited in the form, Office 365 only. */
  sharedMailbox: SharedMailbox.optional(),
  username: singleLine(320).optional(),
  password: Password.optional(),
});
export type SavedCheckRequest = z.infer<typeof SavedCheckRequest>;
