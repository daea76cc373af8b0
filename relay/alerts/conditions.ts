/**
 * What is wrong right now, as alert conditions (DESIGN §6): derived from a mailbox's stored state
 * and account, and from the relay's own configuration. Pure functions: the service compares them
 * with the open alerts and raises or resolves the difference, once per change.
 */
import type { AlertAction, AlertKind } from '../../shared/alert.js';
import type { ErrorKind } from '../../shared/errors.js';
import type { StoredMailbox } from '../store/records.js';

export interface Condition {
  key: string;
  kind: AlertKind;
  severity: 'warning' | 'critical';
  mailboxId: string | null;
  mailbox: string | null;
  message: string;
  action: AlertAction | null;
  due: string | null;
}

export interface AlertThresholds {
  retryingMinutes: number;
  expiryDays: number;
  msClientSecretExpires: string | undefined;
  /** Whether an Office 365 app is configured at all (its secret matters only then). */
  microsoftConfigured: boolean;
}

/** What a person can do about a failing mailbox, by the kind of its error. */
const ACTION_OF: Partial<Record<ErrorKind, AlertAction>> = {
  needs_reauth: 'reconnect',
  consent_required: 'ask_aad_manager',
  access_denied: 'reconnect',
  folder_missing: 'check_folder',
  delivery: 'check_delivery',
  storage: 'tell_relay_admin',
  config: 'tell_relay_admin',
  internal: 'tell_relay_admin',
};

const DAY = 86_400_000;

export function mailboxConditions(m: StoredMailbox, now: Date, t: AlertThresholds): Condition[] {
  const out: Condition[] = [];
  const base = { mailboxId: m.id, mailbox: m.description, due: null };
  const s = m.state;
  const why = s.error?.message ?? '';
  const oauth = m.provider !== 'imap';
  if (
    s.status === 'auth_failed' ||
    s.status === 'needs_reauth' ||
    s.status === 'folder_missing' ||
    s.status === 'error'
  ) {
    const action =
      s.status === 'auth_failed'
        ? oauth
          ? 'reconnect'
          : 'check_password'
        : ((s.error && ACTION_OF[s.error.kind]) ?? 'check_settings');
    const what = {
      auth_failed: 'The mail server refused the login; imports are paused until the credentials change.',
      needs_reauth:
        'The sign-in has expired or was revoked; imports are paused until the mailbox is reconnected.',
      folder_missing:
        'A configured folder is missing on the mail server; nothing is imported until it is fixed.',
      error: 'Imports keep failing.',
    }[s.status];
    out.push({
      ...base,
      key: `mailbox:${m.id}:state:${s.status}`,
      kind: 'mailbox_state',
      severity: 'critical',
      action,
      message: `${what} ${why}`.trim(),
    });
  }
  if (
    s.retrying &&
    s.retrying.mails > 0 &&
    now.getTime() - Date.parse(s.retrying.since) >= t.retryingMinutes * 60_000
  ) {
    const mails = s.retrying.mails;
    out.push({
      ...base,
      key: `mailbox:${m.id}:retrying`,
      kind: 'mails_retrying',
      severity: 'warning',
      action: 'check_delivery',
      message:
        `${mails === 1 ? '1 mail has' : `${mails} mails have`} waited for a retry since ${s.retrying.since}. ${why}`.trim(),
    });
  }
  const ends = m.account?.refreshExpiresAt;
  if (oauth && ends && Date.parse(ends) - now.getTime() <= t.expiryDays * DAY && s.status !== 'needs_reauth')
    out.push({
      ...base,
      key: `mailbox:${m.id}:token`,
      kind: 'token_expiring',
      severity: 'warning',
      action: 'reconnect',
      due: ends,
      message: `The sign-in of ${m.account?.address ?? 'this mailbox'} ends on ${ends.slice(0, 10)} unless it is reconnected.`,
    });
  return out;
}

export function relayConditions(now: Date, t: AlertThresholds): Condition[] {
  const ends = t.msClientSecretExpires;
  if (!t.microsoftConfigured || !ends || Date.parse(ends) - now.getTime() > t.expiryDays * DAY) return [];
  return [
    {
      key: 'relay:ms-client-secret',
      kind: 'client_secret_expiring',
      severity: Date.parse(ends) <= now.getTime() ? 'critical' : 'warning',
      mailboxId: null,
      mailbox: null,
      action: 'renew_client_secret',
      due: ends,
      message: `The Office 365 app's client secret (RELAY_MS_CLIENT_SECRET) expires on ${ends.slice(0, 10)}: create a new one in Entra ID and set it, or every Office 365 mailbox stops.`,
    },
  ];
}
