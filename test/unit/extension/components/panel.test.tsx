import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Mailbox } from '../../../../shared/mailbox.js';
import { fakeSend, mailbox, settle, show, text } from './panel-harness';

describe('the Connect mailbox panel', () => {
  beforeEach(() => fakeBrowser.reset());
  afterEach(() => render(null, document.body));

  it('has a designed empty state', async () => {
    await show(fakeSend({ listMailboxes: { ok: true, data: [] } }));
    expect(document.querySelector('h1')?.textContent).toBe('Connect mailbox');
    expect(document.querySelector('.empty')?.textContent).toContain('No mailboxes are connected yet');
  });

  it('explains a missing token and offers the options', async () => {
    await show(fakeSend({ listMailboxes: { ok: false, error: { kind: 'not_configured', message: 'x' } } }));
    expect(document.querySelector('[role=alert]')?.textContent).toContain('Set the relay URL and API token');
    expect(text()).toContain("Open the extension's options");
  });

  it('lists a mailbox with its state as a badge and its last error in words', async () => {
    await show(fakeSend({ listMailboxes: { ok: true, data: [mailbox] } }));
    const row = document.querySelector('tr[data-mailbox-id="m1"]')!;
    expect(row.querySelector('.badge')?.textContent).toBe('Login failed · paused');
    expect(row.textContent).toContain('The mail server refused the user name or password.');
    expect(row.textContent).toContain('not scheduled');
    expect(row.querySelector('button[aria-label="Delete Invoices ACME"]')).not.toBeNull();
  });

  it('speaks German when the browser does', async () => {
    await show(fakeSend({ listMailboxes: { ok: true, data: [mailbox] } }), 'de');
    expect(document.querySelector('h1')?.textContent).toBe('Postfach verbinden');
    expect(text()).toContain('Der Mailserver hat Benutzername oder Passwort abgelehnt.');
  });

  it('shows a save error next to the field the relay names', async () => {
    const error = {
      kind: 'validation' as const,
      message: 'folders.imported must differ',
      field: 'folders.imported',
    };
    const send = fakeSend({ listMailboxes: { ok: true, data: [] }, createMailbox: { ok: false, error } });
    await show(send);
    await act(() => (document.querySelector('button[aria-haspopup=menu]') as HTMLButtonElement).click());
    const items = [...document.querySelectorAll('[role=menuitem]')].map((i) => i.textContent);
    expect(items).toEqual(['IMAP', 'Office 365', 'Gmail']);
    await act(() => (document.querySelector('[role=menuitem]') as HTMLButtonElement).click());
    expect(document.querySelector<HTMLInputElement>('#port')?.value).toBe('993');
    await act(() => (document.querySelector('form') as HTMLFormElement).requestSubmit());
    await settle();
    const select = document.querySelector('#imported')!;
    expect(select.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(select.getAttribute('aria-describedby')!)?.textContent).toBe(
      'must differ',
    );
    expect(send.calls.map(([type]) => type)).toEqual(['listMailboxes', 'listAlerts', 'me', 'createMailbox']);
  });

  it('shows "Office365 Consent" only to Azure Active Directory Managers, and the consented tenants', async () => {
    const consent = { tenant: 't-42', consentedAt: '2024-08-01T08:47:36Z', consentedBy: 'it-admin' };
    await show(
      fakeSend({
        listMailboxes: { ok: true, data: [] },
        me: { ok: true, data: { user: 'bob', roles: ['admin'] } },
      }),
    );
    expect(text()).not.toContain('Office365 Consent');
    render(null, document.body);

    const send = fakeSend({
      listMailboxes: { ok: true, data: [] },
      me: { ok: true, data: { user: 'it-admin', roles: ['Azure Active Directory Manager'] } },
      listConsents: { ok: true, data: [] },
      giveConsent: { ok: true, data: consent },
    });
    await show(send);
    const button = [...document.querySelectorAll('button')].find(
      (b) => b.textContent === 'Office365 Consent',
    )!;
    send.calls.length = 0;
    await act(() => button.click());
    await settle();
    expect(send.calls.map(([type]) => type)).toEqual(['giveConsent', 'listConsents']);
    expect(document.querySelector('.notice')?.textContent).toBe(
      'Office 365 consent given for the organisation t-42.',
    );
  });

  it('New → Office 365 signs in through the background and opens the new mailbox at Company', async () => {
    const connected: Mailbox = {
      ...mailbox,
      id: 'm2',
      provider: 'microsoft',
      description: 'alice@contoso.test',
      company: '',
      imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
      username: 'alice@contoso.test',
      hasPassword: false,
      sharedMailbox: { enabled: false, address: null },
      account: { address: 'alice@contoso.test', tenant: 'contoso', expiresAt: null, refreshExpiresAt: null },
      state: { ...mailbox.state, status: 'ok', error: null, paused: false },
    };
    const send = fakeSend({
      listMailboxes: { ok: true, data: [] },
      connectMailbox: { ok: true, data: connected },
    });
    await show(send);
    await act(() => (document.querySelector('button[aria-haspopup=menu]') as HTMLButtonElement).click());
    await act(() => ([...document.querySelectorAll('[role=menuitem]')][1] as HTMLButtonElement).click());
    await settle();
    expect(send.calls.find(([type]) => type === 'connectMailbox')?.[1]).toEqual({ provider: 'microsoft' });
    expect(document.querySelector('form h2')?.textContent).toBe('Edit "alice@contoso.test"');
    expect(text()).toContain('alice@contoso.test is connected. Now fill in the Company');
    expect(document.querySelector('[data-testid=account-tenant]')?.textContent).toBe('contoso');
    expect(document.activeElement?.id).toBe('company');
    // The signed-in account logs in: no user name, no password; Office 365 offers a shared mailbox.
    expect(document.querySelector('#password')).toBeNull();
    expect(document.querySelector('#username')).toBeNull();
    expect(document.querySelector('label[for=sharedEnabled]')?.textContent).toBe('Use shared mailbox');
  });

  it('offers Reconnect when an Office 365 sign-in expired, and says a refused sign-in in words', async () => {
    const expired: Mailbox = {
      ...mailbox,
      provider: 'microsoft',
      account: { address: 'alice@contoso.test', tenant: null, expiresAt: null, refreshExpiresAt: null },
      state: { ...mailbox.state, status: 'needs_reauth', error: { kind: 'needs_reauth', message: 'x' } },
    };
    const refused = { kind: 'access_denied' as const, message: 'The user did not approve access.' };
    const send = fakeSend({
      listMailboxes: { ok: true, data: [expired, mailbox] },
      connectMailbox: { ok: false, error: refused },
    });
    await show(send);
    // Only OAuth mailboxes are reconnected; an IMAP login failure is fixed in its form.
    expect(document.querySelectorAll('button[aria-label^="Reconnect"]').length).toBe(1);
    await act(() =>
      (document.querySelector('button[aria-label="Reconnect Invoices ACME"]') as HTMLButtonElement).click(),
    );
    await settle();
    expect(send.calls.find(([type]) => type === 'connectMailbox')?.[1]).toEqual({
      provider: 'microsoft',
      mailboxId: 'm1',
    });
    expect(document.querySelector('[role=alert]')?.textContent).toContain(
      'Sign-in was cancelled, or the mail provider denied access.',
    );
  });
});
