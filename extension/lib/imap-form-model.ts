import type { ConnectionCheckRequest, SavedCheckRequest } from '../../shared/connection-check.js';
import {
  DEFAULT_PORTS,
  PROVIDER_DEFAULTS,
  type ImapSettings,
  type Provider,
  type Security,
} from '../../shared/imap-settings.js';
import type { Mailbox, MailboxCreateInput, MailboxUpdateInput } from '../../shared/mailbox.js';

/**
 * What the mailbox form holds: strings as typed, so a half-typed port is still the user's text. The
 * same form edits Office 365 and Gmail mailboxes, whose login is the signed-in account (no user name,
 * no password) and, for Office 365 only, "Use shared mailbox".
 */
export interface ImapForm {
  provider: Provider;
  description: string;
  company: string;
  accessKind: 'user' | 'role';
  access: string;
  autoProcessing: boolean;
  host: string;
  port: string;
  security: Security;
  username: string;
  /** Empty when editing means "keep the stored password" (DESIGN §1). */
  password: string;
  source: string;
  imported: string;
  notImported: string;
  sharedEnabled: boolean;
  sharedAddress: string;
}
export type ImapFormField = Exclude<keyof ImapForm, 'provider'>;

export function newImapForm(): ImapForm {
  const imap = PROVIDER_DEFAULTS.imap;
  return {
    provider: 'imap',
    description: '',
    company: '',
    accessKind: 'user',
    access: '',
    autoProcessing: false,
    host: imap.host,
    port: String(imap.port),
    security: imap.security,
    username: '',
    password: '',
    source: 'INBOX',
    imported: '',
    notImported: '',
    sharedEnabled: false,
    sharedAddress: '',
  };
}

export function imapFormOf(m: Mailbox): ImapForm {
  return {
    provider: m.provider,
    description: m.description,
    company: m.company,
    accessKind: m.access.role !== undefined ? 'role' : 'user',
    access: m.access.role ?? m.access.user ?? '',
    autoProcessing: m.autoProcessing,
    host: m.imap.host,
    port: String(m.imap.port),
    security: m.imap.security,
    username: m.username,
    password: '',
    source: m.folders.source,
    imported: m.folders.imported ?? '',
    notImported: m.folders.notImported ?? '',
    sharedEnabled: m.sharedMailbox?.enabled ?? false,
    sharedAddress: m.sharedMailbox?.address ?? '',
  };
}

/** Switching "Secure connection" moves a default port along (993 ↔ 143); a custom port stays. */
export function withSecurity(form: ImapForm, security: Security): ImapForm {
  const portIsDefault = form.port === String(DEFAULT_PORTS[form.security]);
  return { ...form, security, port: portIsDefault ? String(DEFAULT_PORTS[security]) : form.port };
}

// A port that is not a whole number is sent as NaN (JSON null), so the relay names the field.
const portOf = (text: string): number => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN);

export const imapOf = (f: ImapForm): ImapSettings => ({
  host: f.host.trim(),
  port: portOf(f.port),
  security: f.security,
});

const accessOf = (f: ImapForm) => (f.accessKind === 'role' ? { role: f.access } : { user: f.access });

const foldersOf = (f: ImapForm) => ({
  source: f.source,
  imported: f.imported || null,
  notImported: f.notImported || null,
});

export function toCreate(f: ImapForm): MailboxCreateInput {
  return {
    provider: 'imap',
    description: f.description,
    company: f.company,
    access: accessOf(f),
    autoProcessing: f.autoProcessing,
    imap: imapOf(f),
    username: f.username,
    password: f.password,
    folders: foldersOf(f),
  };
}

export const isOAuthForm = (f: Pick<ImapForm, 'provider'>): boolean => f.provider !== 'imap';

const sharedMailboxOf = (f: ImapForm) => ({
  enabled: f.sharedEnabled,
  address: f.sharedAddress.trim() || null,
});

export function toUpdate(f: ImapForm): MailboxUpdateInput {
  const patch: MailboxUpdateInput = {
    description: f.description,
    company: f.company,
    access: accessOf(f),
    autoProcessing: f.autoProcessing,
    imap: imapOf(f),
    folders: foldersOf(f),
  };
  // An OAuth mailbox logs in as its signed-in account; only Office 365 has shared mailboxes (DESIGN §1).
  if (!isOAuthForm(f)) patch.username = f.username;
  if (!isOAuthForm(f) && f.password !== '') patch.password = f.password;
  if (f.provider === 'microsoft') patch.sharedMailbox = sharedMailboxOf(f);
  return patch;
}

/** "Use shared mailbox" edited but not saved: a check of the saved mailbox would not use it yet. */
export function sharedMailboxEdited(f: ImapForm, saved: Mailbox): boolean {
  const now = sharedMailboxOf(f);
  const before = saved.sharedMailbox ?? { enabled: false, address: null };
  return now.enabled !== before.enabled || (now.enabled && now.address !== before.address);
}

export const toCheck = (f: ImapForm): ConnectionCheckRequest => ({
  imap: imapOf(f),
  username: f.username,
  password: f.password,
});

/** Checking a saved mailbox sends only what was edited; the relay fills in the stored rest. */
export function toSavedCheck(f: ImapForm, saved: Mailbox): SavedCheckRequest {
  const overrides: SavedCheckRequest = {};
  const imap = imapOf(f);
  if (imap.host !== saved.imap.host || imap.port !== saved.imap.port || imap.security !== saved.imap.security)
    overrides.imap = imap;
  // An OAuth mailbox's login is its signed-in account: the server and the shared mailbox can be tried out.
  if (isOAuthForm(f)) {
    if (saved.provider === 'microsoft' && sharedMailboxEdited(f, saved))
      overrides.sharedMailbox = sharedMailboxOf(f);
    return overrides;
  }
  if (f.username !== saved.username) overrides.username = f.username;
  if (f.password !== '') overrides.password = f.password;
  return overrides;
}

const FIELD_OF: Record<string, ImapFormField> = {
  description: 'description',
  company: 'company',
  access: 'access',
  'access.user': 'access',
  'access.role': 'access',
  autoProcessing: 'autoProcessing',
  imap: 'host',
  'imap.host': 'host',
  'imap.port': 'port',
  'imap.security': 'security',
  username: 'username',
  password: 'password',
  folders: 'source',
  'folders.source': 'source',
  'folders.imported': 'imported',
  'folders.notImported': 'notImported',
  sharedMailbox: 'sharedEnabled',
  'sharedMailbox.enabled': 'sharedEnabled',
  'sharedMailbox.address': 'sharedAddress',
};

/** The form field a relay error's `field` (e.g. `folders.imported`, `imap.port`) belongs to. */
export function formFieldOf(relayField: string | undefined): ImapFormField | null {
  return relayField === undefined ? null : (FIELD_OF[relayField] ?? null);
}

/** "imap.port must be between 1 and 65535" → "must be between 1 and 65535": the label says the rest. */
export function withoutFieldName(message: string, relayField: string): string {
  return message.startsWith(`${relayField} `) ? message.slice(relayField.length + 1) : message;
}
