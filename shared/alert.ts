import { z } from 'zod';

/**
 * DESIGN §6 alerts: raised once when something needs a person, resolved once when it is fine again.
 * `key` says what an alert is about (one open alert per key); `action` is what to do, worded by the
 * extension in the user's language.
 */
export const AlertKind = z.enum([
  /** The mailbox left `ok`: auth failed, needs reauth, folder missing, runs failing. */
  'mailbox_state',
  /** Mails have waited for a retry longer than RELAY_ALERT_RETRYING_MINUTES. */
  'mails_retrying',
  /** A sign-in (refresh token) will end within RELAY_ALERT_EXPIRY_DAYS (a refused refresh is mailbox_state). */
  'token_expiring',
  /** The Microsoft app's client secret expires within RELAY_ALERT_EXPIRY_DAYS (RELAY_MS_CLIENT_SECRET_EXPIRES). */
  'client_secret_expiring',
  /** Reserved for faults of the relay itself that no mailbox state shows; not raised yet. */
  'relay_config',
]);
export type AlertKind = z.infer<typeof AlertKind>;

export const AlertAction = z.enum([
  'reconnect',
  'ask_aad_manager',
  'check_folder',
  'check_password',
  'check_settings',
  'check_delivery',
  'renew_client_secret',
  'tell_relay_admin',
]);
export type AlertAction = z.infer<typeof AlertAction>;

export const Alert = z.object({
  id: z.string(),
  key: z.string(),
  kind: AlertKind,
  severity: z.enum(['warning', 'critical']),
  status: z.enum(['open', 'resolved']),
  mailboxId: z.string().nullable(),
  /** The mailbox's Description, so a message needs no second look-up. */
  mailbox: z.string().nullable(),
  /** One sentence for people (English; the panel words `kind` and `action` itself). */
  message: z.string(),
  action: AlertAction.nullable(),
  /** When what the alert is about will happen (an expiry), if it is a date. */
  due: z.string().nullable(),
  raisedAt: z.string(),
  resolvedAt: z.string().nullable(),
  /** Deliveries done, as `<notifier>:<raised|resolved>`: what a restart must still send. */
  notified: z.array(z.string()).default([]),
});
export type Alert = z.infer<typeof Alert>;
