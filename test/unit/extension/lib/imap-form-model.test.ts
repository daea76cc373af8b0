import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../../../shared/imap-settings.js';
import { initialState, type Mailbox } from '../../../../shared/mailbox.js';
import {
  formFieldOf,
  imapFormOf,
  newImapForm,
  sharedMailboxEdited,
  toCreate,
  toSavedCheck,
  toUpdate,
  withSecurity,
  withoutFieldName,
} from '../../../../extension/lib/imap-form-model';

const saved: Mailbox = {
  id: 'm1',
  provider: 'imap',
  description: 'Invoices ACME',
  company: 'ACME GmbH',
  access: { role: 'Accounting' },
  autoProcessing: true,
  schedule: '*/5 * * * *',
  imap: { host: 'imap.acme.test', port: 993, security: 'tls' },
  username: 'invoices@acme.test',
  hasPassword: true,
  sharedMailbox: null,
  folders: { source: 'INBOX', imported: 'Rechnungen/Importiert', notImported: 'Rechnungen/Fehler-Ü' },
  account: null,
  state: initialState(),
  createdBy: 'alice',
  createdAt: '2024-08-01T08:47:36Z',
  updatedAt: '2024-08-01T08:47:36Z',
};

describe('the IMAP form model', () => {
  it('starts with the shared IMAP defaults: port 993 over TLS, INBOX as source', () => {
    const form = newImapForm();
    expect(form.port).toBe(String(PROVIDER_DEFAULTS.imap.port));
    expect(form.security).toBe('tls');
    expect(form.source).toBe('INBOX');
    expect(form.autoProcessing).toBe(false);
  });

  it('creates a plain IMAP mailbox with access by user, unset folders as null', () => {
    const form = {
      ...newImapForm(),
      description: 'D',
      company: 'C',
      access: 'alice',
      host: 'h',
      username: 'u',
      password: 'p',
    };
    expect(toCreate(form)).toEqual({
      provider: 'imap',
      description: 'D',
      company: 'C',
      access: { user: 'alice' },
      autoProcessing: false,
      imap: { host: 'h', port: 993, security: 'tls' },
      username: 'u',
      password: 'p',
      folders: { source: 'INBOX', imported: null, notImported: null },
    });
  });

  it('edits without a password keep the stored one; a typed password replaces it', () => {
    const form = imapFormOf(saved);
    expect(form.password).toBe('');
    expect(form.accessKind).toBe('role');
    expect(toUpdate(form)).not.toHaveProperty('password');
    expect(toUpdate({ ...form, password: 'new' })).toMatchObject({
      password: 'new',
      access: { role: 'Accounting' },
    });
  });

  it('sends a port that is not a number as such, so the relay names the field', () => {
    expect(Number.isNaN(toCreate({ ...newImapForm(), port: '99a' }).imap?.port)).toBe(true);
  });

  it('moves a default port along with Secure connection, and keeps a custom one', () => {
    expect(withSecurity(newImapForm(), 'starttls').port).toBe('143');
    expect(withSecurity({ ...newImapForm(), port: '1993' }, 'none').port).toBe('1993');
  });

  it('checks a saved mailbox with only what was edited', () => {
    const form = imapFormOf(saved);
    expect(toSavedCheck(form, saved)).toEqual({});
    expect(toSavedCheck({ ...form, port: '143', security: 'starttls', password: 'x' }, saved)).toEqual({
      imap: { host: 'imap.acme.test', port: 143, security: 'starttls' },
      password: 'x',
    });
  });

  it('maps the relay error fields onto form fields', () => {
    expect(formFieldOf('folders.imported')).toBe('imported');
    expect(formFieldOf('imap.port')).toBe('port');
    expect(formFieldOf('access')).toBe('access');
    expect(formFieldOf('schedule')).toBeNull();
    expect(formFieldOf(undefined)).toBeNull();
    expect(withoutFieldName('imap.port must be between 1 and 65535', 'imap.port')).toBe(
      'must be between 1 and 65535',
    );
  });

  it('edits an Office 365 mailbox without user name or password, with its shared mailbox', () => {
    const office: Mailbox = {
      ...saved,
      provider: 'microsoft',
      imap: PROVIDER_DEFAULTS.microsoft,
      username: 'alice@contoso.test',
      hasPassword: false,
      sharedMailbox: { enabled: false, address: null },
      account: { address: 'alice@contoso.test', tenant: 't1', expiresAt: null, refreshExpiresAt: null },
    };
    const form = imapFormOf(office);
    expect(form.provider).toBe('microsoft');
    expect(sharedMailboxEdited(form, office)).toBe(false);
    const shared = { ...form, sharedEnabled: true, sharedAddress: ' ap@contoso.test ', password: 'ignored' };
    expect(sharedMailboxEdited(shared, office)).toBe(true);
    const patch = toUpdate(shared);
    expect(patch.sharedMailbox).toEqual({ enabled: true, address: 'ap@contoso.test' });
    expect(patch).not.toHaveProperty('username');
    expect(patch).not.toHaveProperty('password');
    expect(patch.imap).toEqual({ host: 'outlook.office365.com', port: 993, security: 'tls' });
    // Only what the check can use: the edited shared mailbox (and the server when changed), never a password.
    expect(toSavedCheck(shared, office)).toEqual({
      sharedMailbox: { enabled: true, address: 'ap@contoso.test' },
    });
    expect(toSavedCheck(form, office)).toEqual({});
    expect(formFieldOf('sharedMailbox.address')).toBe('sharedAddress');
  });

  it('sends no shared mailbox for Gmail (the relay refuses one) nor for IMAP', () => {
    const gmail: Mailbox = {
      ...saved,
      provider: 'google',
      imap: PROVIDER_DEFAULTS.google,
      hasPassword: false,
    };
    expect(toUpdate(imapFormOf(gmail))).not.toHaveProperty('sharedMailbox');
    expect(toUpdate(imapFormOf(saved))).not.toHaveProperty('sharedMailbox');
    expect(toUpdate(imapFormOf(saved))).toHaveProperty('username', 'invoices@acme.test');
  });
});
