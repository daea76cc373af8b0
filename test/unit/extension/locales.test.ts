import { describe, expect, it } from 'vitest';
import { ErrorKind } from '../../../shared/errors.js';
import { MailboxStatus } from '../../../shared/mailbox.js';
import { MailOutcomeKind, NotImportedReason } from '../../../shared/run.js';
import { messagesOf } from './i18n-fake';

describe('English and German messages', () => {
  it('have the same keys and the same placeholders', async () => {
    const [en, de] = await Promise.all([messagesOf('en'), messagesOf('de')]);
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const placeholders = (s: string) => (s.match(/\$\d/g) ?? []).sort();
      expect(placeholders(de[key] ?? ''), key).toEqual(placeholders(text));
    }
  });

  it('have a sentence for every error kind, mailbox state, mail outcome and reason', async () => {
    const en = await messagesOf('en');
    const keys = [
      ...ErrorKind.options.map((k) => `error_${k}`),
      ...MailboxStatus.options.map((k) => `status_${k}`),
      ...MailOutcomeKind.options.map((k) => `outcome_${k}`),
      ...NotImportedReason.options.map((k) => `reason_${k}`),
    ];
    for (const key of keys) expect(en[key], key).toBeTruthy();
  });

  it('use the seed page labels for the IMAP form', async () => {
    const en = await messagesOf('en');
    expect([en.form_description, en.form_company, en.form_access, en.form_autoProcessing]).toEqual([
      'Description',
      'Company',
      'User or role',
      'Auto processing',
    ]);
    expect([en.form_host, en.form_port, en.form_security, en.form_username, en.form_password]).toEqual([
      'IMAP server',
      'IMAP port',
      'Secure connection',
      'User name',
      'Password',
    ]);
    expect([en.form_source, en.form_imported, en.form_notImported, en.form_check]).toEqual([
      'Retrieve mails from',
      'Move imported mails to',
      'Move not imported mails to',
      'Check connection and load folders',
    ]);
    expect(en.error_auth).toBe('The mail server refused the user name or password.');
  });

  it('use the seed page labels for Office 365', async () => {
    const en = await messagesOf('en');
    expect([en.panel_consent, en.form_useShared, en.form_sharedAddress]).toEqual([
      'Office365 Consent',
      'Use shared mailbox',
      'Shared Mailbox',
    ]);
  });
});
