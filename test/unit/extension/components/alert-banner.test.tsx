import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Alert } from '../../../../shared/alert.js';
import type { Mailbox } from '../../../../shared/mailbox.js';
import { fakeSend, mailbox, settle, show, text } from './panel-harness';

const office: Mailbox = {
  ...mailbox,
  id: 'm2',
  provider: 'microsoft',
  description: 'Invoices Contoso',
  account: { address: 'ap@contoso.test', tenant: 'contoso', expiresAt: null, refreshExpiresAt: null },
  state: { ...mailbox.state, status: 'needs_reauth', error: { kind: 'needs_reauth', message: 'x' } },
};

let n = 0;
function alert(fields: Partial<Alert>): Alert {
  n += 1;
  return {
    id: `a${n}`,
    key: `key-${n}`,
    kind: 'mailbox_state',
    severity: 'warning',
    status: 'open',
    mailboxId: mailbox.id,
    mailbox: mailbox.description,
    message: 'The mailbox left ok.',
    action: null,
    due: null,
    raisedAt: `2024-08-01T09:${String(n % 60).padStart(2, '0')}:00Z`,
    resolvedAt: null,
    notified: [],
    ...fields,
  };
}

const items = () => [...document.querySelectorAll<HTMLElement>('.alerts .alert')];
const button = (label: string) =>
  document.querySelector<HTMLButtonElement>(`.alerts button[aria-label="${label}"]`);

function relayWith(alerts: Alert[], mailboxes: Mailbox[] = [mailbox, office]) {
  return fakeSend({
    listMailboxes: { ok: true, data: mailboxes },
    listAlerts: { ok: true, data: alerts },
    connectMailbox: { ok: true, data: office },
  });
}

describe('the alert banner', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(() => render(null, document.body));

  it('shows the open alerts only, newest first, with the mailbox and a sentence for the kind', async () => {
    const older = alert({ raisedAt: '2024-08-01T08:00:00Z', kind: 'mailbox_state', severity: 'critical' });
    const resolved = alert({ status: 'resolved', resolvedAt: '2024-08-03T08:00:00Z', kind: 'relay_config' });
    const newer = alert({
      raisedAt: '2024-08-02T08:00:00Z',
      kind: 'mails_retrying',
      mailboxId: office.id,
      mailbox: office.description,
    });
    await show(relayWith([older, resolved, newer]));
    expect(items().map((i) => i.dataset.alertId)).toEqual([newer.id, older.id]);
    expect(items()[0]?.textContent).toContain(
      'Invoices Contoso: Mails of this mailbox have been waiting for a retry of their delivery for a long time.',
    );
    expect(items()[1]?.textContent).toContain('Invoices ACME: This mailbox is not importing.');
    expect(text()).not.toContain('only its administrator can fix');
  });

  it('is an alert for critical ones and a status for warnings, and says which it is', async () => {
    await show(relayWith([alert({ severity: 'critical' }), alert({ severity: 'warning' })]));
    const [warning, critical] = items();
    expect(critical?.getAttribute('role')).toBe('alert');
    expect(critical?.className).toContain('alert-critical');
    expect(critical?.querySelector('.badge')?.textContent).toBe('Critical');
    expect(warning?.getAttribute('role')).toBe('status');
    expect(warning?.className).toContain('alert-warning');
    expect(warning?.querySelector('.badge')?.textContent).toBe('Warning');
  });

  it('shows nothing when no alert is open, or when the relay has none to give', async () => {
    await show(relayWith([alert({ status: 'resolved', resolvedAt: '2024-08-03T08:00:00Z' })]));
    expect(document.querySelector('.alerts')).toBeNull();
    render(null, document.body);
    await show(fakeSend({ listMailboxes: { ok: true, data: [mailbox] } }));
    expect(document.querySelector('.alerts')).toBeNull();
    expect(document.querySelector('tr[data-mailbox-id="m1"]')).not.toBeNull();
  });

  it('offers what to do for each action: a button where the panel can, a sentence where it cannot', async () => {
    const sentences: [Alert['action'], string][] = [
      ['ask_aad_manager', 'Ask your Azure Active Directory Manager to click "Office365 Consent".'],
      ['check_delivery', 'could not be handed over to Onventis yet'],
      ['renew_client_secret', 'must renew the client secret of the Microsoft app'],
      ['tell_relay_admin', "Please tell the relay's administrator."],
    ];
    const alerts = [
      alert({ action: 'reconnect', mailboxId: office.id, mailbox: office.description }),
      alert({ action: 'check_folder' }),
      alert({ action: 'check_password' }),
      alert({ action: 'check_settings' }),
      ...sentences.map(([action]) => alert({ action, mailboxId: null, mailbox: null })),
    ];
    await show(relayWith(alerts));
    const byAction = (action: string) => document.querySelector(`.alerts [data-action=${action}]`)!;
    expect(byAction('reconnect').querySelector('button')?.textContent).toBe('Reconnect');
    expect(button('Reconnect Invoices Contoso')).not.toBeNull();
    expect(button('Check the folders of Invoices ACME')?.textContent).toBe('Check the folders');
    expect(button('Check the password of Invoices ACME')?.textContent).toBe('Check the password');
    expect(button('Check the settings of Invoices ACME')?.textContent).toBe('Check the settings');
    for (const [action, sentence] of sentences) {
      expect(byAction(action!).querySelector('button')).toBeNull();
      expect(byAction(action!).textContent).toContain(sentence);
    }
  });

  it('Reconnect signs that mailbox in again, then reloads the list and the alerts', async () => {
    const send = relayWith([
      alert({ action: 'reconnect', mailboxId: office.id, mailbox: office.description }),
    ]);
    await show(send);
    send.calls.length = 0;
    await act(() => button('Reconnect Invoices Contoso')!.click());
    await settle();
    expect(send.calls).toEqual([
      ['connectMailbox', { provider: 'microsoft', mailboxId: 'm2' }],
      ['listMailboxes', null],
      ['listAlerts', null],
    ]);
    expect(document.querySelector('.notice')?.textContent).toBe('ap@contoso.test is connected again.');
  });

  it('"Check the folders" opens that mailbox\'s form at its folders', async () => {
    await show(relayWith([alert({ action: 'check_folder' })]));
    await act(() => button('Check the folders of Invoices ACME')!.click());
    expect(document.querySelector('form h2')?.textContent).toBe('Edit "Invoices ACME"');
    expect(document.activeElement?.id).toBe('source');
  });

  it('"Check the password" of an Office 365 mailbox, which has none, opens its form at the top', async () => {
    await show(relayWith([alert({ action: 'check_password', mailboxId: office.id })]));
    await act(() => button('Check the password of Invoices Contoso')!.click());
    expect(document.querySelector('form h2')?.textContent).toBe('Edit "Invoices Contoso"');
    expect(document.activeElement?.id).toBe('description');
  });

  it('is refreshed with the list', async () => {
    const send = relayWith([]);
    await show(send);
    expect(document.querySelector('.alerts')).toBeNull();
    send.calls.length = 0;
    const refresh = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Refresh')!;
    await act(() => refresh.click());
    await settle();
    expect(send.calls.map(([type]) => type)).toEqual(['listMailboxes', 'listAlerts']);
  });

  it('speaks German, formally', async () => {
    await show(
      relayWith([
        alert({ action: 'check_folder', severity: 'critical' }),
        alert({ action: 'ask_aad_manager', kind: 'token_expiring', due: '2024-08-20T00:00:00Z' }),
      ]),
      'de',
    );
    expect(text()).toContain('Invoices ACME: Aus diesem Postfach wird nicht importiert.');
    expect(text()).toContain(
      'Bitten Sie Ihren Azure Active Directory Manager, auf „Office365 Consent“ zu klicken.',
    );
    expect(text()).toContain('Läuft ab: ');
    expect(button('Ordner von Invoices ACME prüfen')?.textContent).toBe('Ordner prüfen');
    expect(document.querySelector('.alerts .badge')?.textContent).toBe('Warnung');
  });
});
