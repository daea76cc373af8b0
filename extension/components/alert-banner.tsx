import type { Alert, AlertAction, AlertKind } from '../../shared/alert.js';
import type { Mailbox } from '../../shared/mailbox.js';
import type { ImapFormField } from '../lib/imap-form-model';
import { formatDate, useLocale, type MessageKey } from './i18n';

const KIND_KEYS: Record<AlertKind, MessageKey> = {
  mailbox_state: 'alertKind.mailbox_state',
  mails_retrying: 'alertKind.mails_retrying',
  token_expiring: 'alertKind.token_expiring',
  client_secret_expiring: 'alertKind.client_secret_expiring',
  relay_config: 'alertKind.relay_config',
};

interface FormAction {
  /** The field the form starts at. */
  focus: ImapFormField;
  label: MessageKey;
  /** With $1, the mailbox's Description: the button's accessible name. */
  labelOf: 'alertActionOf.check_folder' | 'alertActionOf.check_password' | 'alertActionOf.check_settings';
}

const CHECK_PASSWORD: FormAction = {
  focus: 'password',
  label: 'alertAction.check_password',
  labelOf: 'alertActionOf.check_password',
};

/** Actions that open the mailbox's form. */
const FORM_ACTIONS: Partial<Record<AlertAction, FormAction>> = {
  check_folder: { focus: 'source', label: 'alertAction.check_folder', labelOf: 'alertActionOf.check_folder' },
  check_password: CHECK_PASSWORD,
  check_settings: {
    focus: 'host',
    label: 'alertAction.check_settings',
    labelOf: 'alertActionOf.check_settings',
  },
};

/** Actions nobody in the panel can do: said as a sentence. */
const SENTENCE_KEYS: Partial<Record<AlertAction, MessageKey>> = {
  ask_aad_manager: 'alertAction.ask_aad_manager',
  check_delivery: 'alertAction.check_delivery',
  renew_client_secret: 'alertAction.renew_client_secret',
  tell_relay_admin: 'alertAction.tell_relay_admin',
};

export interface AlertActions {
  onReconnect: (m: Mailbox) => void;
  /** Opens the mailbox's form at `focus`. */
  onOpenForm: (m: Mailbox, focus: ImapFormField) => void;
}

interface Props {
  alerts: Alert[];
  /** The listed mailboxes, for the actions that need one. */
  mailboxes: Mailbox[];
  actions: AlertActions;
  /** A sign-in window is open: no second Reconnect. */
  signingIn: boolean;
}

/** The open alerts, newest first: which mailbox, what is wrong, and what to do about it (DESIGN §6). */
export function AlertBanner({ alerts, mailboxes, actions, signingIn }: Props) {
  const { t } = useLocale();
  const open = alerts
    .filter((a) => a.status === 'open')
    .sort((a, b) => Date.parse(b.raisedAt) - Date.parse(a.raisedAt));
  if (open.length === 0) return null;
  return (
    <section class="alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title" class="visually-hidden">
        {t('alert.title')}
      </h2>
      {open.map((alert) => (
        <AlertItem
          key={alert.id}
          alert={alert}
          mailbox={mailboxes.find((m) => m.id === alert.mailboxId)}
          actions={actions}
          signingIn={signingIn}
        />
      ))}
    </section>
  );
}

interface ItemProps {
  alert: Alert;
  mailbox: Mailbox | undefined;
  actions: AlertActions;
  signingIn: boolean;
}

function AlertItem({ alert, mailbox, actions, signingIn }: ItemProps) {
  const { t, language } = useLocale();
  const critical = alert.severity === 'critical';
  const due = formatDate(language, alert.due);
  return (
    <div
      class={`alert alert-${alert.severity}`}
      role={critical ? 'alert' : 'status'}
      data-alert-id={alert.id}
      data-action={alert.action ?? undefined}
    >
      <p class="alert-sentence">
        <span class={`badge badge-alert-${alert.severity}`}>
          {t(critical ? 'alert.critical' : 'alert.warning')}
        </span>{' '}
        {alert.mailbox && <strong class="alert-mailbox">{alert.mailbox}: </strong>}
        {t(KIND_KEYS[alert.kind])}
      </p>
      <p class="alert-detail">
        {t('alert.since', [formatDate(language, alert.raisedAt) ?? alert.raisedAt])}
        {due && ` · ${t('alert.due', [due])}`}
        {alert.message && ` · ${t('error.details', [alert.message])}`}
      </p>
      {alert.action && (
        <AlertActionView action={alert.action} mailbox={mailbox} actions={actions} signingIn={signingIn} />
      )}
    </div>
  );
}

interface ActionProps {
  action: AlertAction;
  mailbox: Mailbox | undefined;
  actions: AlertActions;
  signingIn: boolean;
}

/** A button when the panel can do it for this mailbox, otherwise a sentence saying who can. */
function AlertActionView({ action, mailbox, actions, signingIn }: ActionProps) {
  const { t } = useLocale();
  const sentence = SENTENCE_KEYS[action];
  if (sentence) return <p class="alert-action">{t(sentence)}</p>;
  if (!mailbox) return null;
  if (action === 'reconnect' && mailbox.provider !== 'imap')
    return (
      <div class="actions">
        <button
          type="button"
          class="primary"
          disabled={signingIn}
          aria-label={t('list.reconnectOf', [mailbox.description])}
          onClick={() => actions.onReconnect(mailbox)}
        >
          {t('list.reconnect')}
        </button>
      </div>
    );
  // An IMAP mailbox is "reconnected" by fixing its password in the form.
  const form = FORM_ACTIONS[action] ?? CHECK_PASSWORD;
  return (
    <div class="actions">
      <button
        type="button"
        aria-label={t(form.labelOf, [mailbox.description])}
        onClick={() => actions.onOpenForm(mailbox, form.focus)}
      >
        {t(form.label)}
      </button>
    </div>
  );
}
