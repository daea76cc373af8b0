import { z } from 'zod';
import { ErrorInfo } from './errors.js';
import { ImapSettings, Provider } from './imap-settings.js';
import { DEFAULT_SCHEDULE, Schedule } from './schedule.js';
import { Password, singleLine } from './text.js';

/** "User: Enter an user or role" (seed page): exactly one of the two. */
export const Access = z
  .strictObject({ user: singleLine(200).optional(), role: singleLine(200).optional() })
  .refine((a) => (a.user === undefined) !== (a.role === undefined), 'give either a user or a role, not both');
export type Access = z.infer<typeof Access>;

export const FolderPath = singleLine(1000);

/** "Retrieve mails from", "Move imported mails to", "Move not imported mails to". */
export const Folders = z
  .strictObject({
    source: FolderPath.default('INBOX'),
    imported: FolderPath.nullable().default(null),
    notImported: FolderPath.nullable().default(null),
  })
  .superRefine((f, ctx) => {
    if (f.imported !== null && f.imported === f.source)
      ctx.addIssue({ code: 'custom', path: ['imported'], message: 'must differ from "Retrieve mails from"' });
    if (f.notImported !== null && f.notImported === f.source)
      ctx.addIssue({
        code: 'custom',
        path: ['notImported'],
        message: 'must differ from "Retrieve mails from"',
      });
    if (f.notImported !== null && f.notImported === f.imported)
      ctx.addIssue({
        code: 'custom',
        path: ['notImported'],
        message: 'must differ from "Move imported mails to"',
      });
  });
export type Folders = z.infer<typeof Folders>;

/** PATCH: only the folders given change; the relay checks the merged result against `Folders`. */
export const FoldersPatch = z.strictObject({
  source: FolderPath.optional(),
  imported: FolderPath.nullable().optional(),
  notImported: FolderPath.nullable().optional(),
});
export type FoldersPatch = z.infer<typeof FoldersPatch>;

export const SharedMailbox = z
  .strictObject({ enabled: z.boolean(), address: singleLine(320).nullable().default(null) })
  .refine((s) => !s.enabled || s.address !== null, {
    path: ['address'],
    message: 'is required when "Use shared mailbox" is on',
  });
export type SharedMailbox = z.infer<typeof SharedMailbox>;

/**
 * DESIGN §1 `state`: never `ok` while something is wrong. `retrying`: the last run left mails
 * waiting for a retry, or one run failed for a reason that may pass (the second in a row is `error`).
 */
export const MailboxStatus = z.enum([
  'ok',
  'retrying',
  'auth_failed',
  'needs_reauth',
  'folder_missing',
  'error',
]);
export type MailboxStatus = z.infer<typeof MailboxStatus>;

export const MailboxState = z.object({
  status: MailboxStatus,
  error: ErrorInfo.nullable(),
  lastRun: z.string().nullable(),
  lastRunId: z.string().nullable(),
  nextRun: z.string().nullable(),
  /** Set when the schedule is paused (auth failure) until the credentials change. */
  paused: z.boolean(),
  /** Mails of the source waiting for a retry of their delivery, and since when (issue 9). */
  retrying: z.object({ mails: z.number().int(), since: z.string() }).nullable().default(null),
  /** Runs failed in a row; the second makes the mailbox `error`. */
  failedRuns: z.number().int().default(0),
});
export type MailboxState = z.infer<typeof MailboxState>;

/** A new mailbox's state: nothing run yet, nothing wrong. */
export const initialState = (): MailboxState => ({
  status: 'ok',
  error: null,
  lastRun: null,
  lastRunId: null,
  nextRun: null,
  paused: false,
  retrying: null,
  failedRuns: 0,
});

export const OAuthAccount = z.object({
  address: z.string(),
  tenant: z.string().nullable(),
  /** The access token's expiry (about an hour; renewed on its own). */
  expiresAt: z.string().nullable(),
  /**
   * When the sign-in itself ends unless used: Microsoft's refresh tokens after 90 days without
   * use, Google's after 7 days for apps in "Testing" (refresh_token_expires_in). Alerts watch it.
   */
  refreshExpiresAt: z.string().nullable().default(null),
});
export type OAuthAccount = z.infer<typeof OAuthAccount>;

const editable = {
  description: singleLine(200),
  company: singleLine(200),
  access: Access,
  autoProcessing: z.boolean(),
  schedule: Schedule,
  imap: ImapSettings,
  username: singleLine(320),
  password: Password,
  sharedMailbox: SharedMailbox,
  folders: Folders,
};

/** POST /api/mailboxes. Only plain IMAP is created this way; OAuth mailboxes come from /api/oauth. */
export const MailboxCreate = z.strictObject({
  provider: Provider.default('imap'),
  description: editable.description,
  company: editable.company,
  access: editable.access,
  autoProcessing: editable.autoProcessing.default(false),
  schedule: editable.schedule.default(DEFAULT_SCHEDULE),
  imap: editable.imap.optional(),
  username: editable.username,
  password: editable.password.optional(),
  sharedMailbox: editable.sharedMailbox.optional(),
  folders: editable.folders.default({ source: 'INBOX', imported: null, notImported: null }),
});
export type MailboxCreate = z.infer<typeof MailboxCreate>;
export type MailboxCreateInput = z.input<typeof MailboxCreate>;

/** PATCH /api/mailboxes/:id: any subset; a missing password keeps the stored one. */
export const MailboxUpdate = z.strictObject({
  description: editable.description.optional(),
  company: editable.company.optional(),
  access: editable.access.optional(),
  autoProcessing: editable.autoProcessing.optional(),
  schedule: editable.schedule.optional(),
  imap: editable.imap.optional(),
  username: editable.username.optional(),
  password: editable.password.optional(),
  sharedMailbox: editable.sharedMailbox.optional(),
  folders: FoldersPatch.optional(),
});
export type MailboxUpdate = z.infer<typeof MailboxUpdate>;
export type MailboxUpdateInput = z.input<typeof MailboxUpdate>;

/** What every read returns: never a secret, only whether one is stored. */
export const Mailbox = z.object({
  id: z.string(),
  provider: Provider,
  description: z.string(),
  company: z.string(),
  access: Access,
  autoProcessing: z.boolean(),
  schedule: z.string(),
  imap: ImapSettings,
  username: z.string(),
  hasPassword: z.boolean(),
  sharedMailbox: SharedMailbox.nullable(),
  folders: Folders,
  account: OAuthAccount.nullable(),
  state: MailboxState,
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Mailbox = z.infer<typeof Mailbox>;
