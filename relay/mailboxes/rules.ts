import { RelayError } from '../errors.js';
import type { StoredMailbox } from '../store/records.js';

/** Rules across fields, checked on the merged result of a create or a PATCH. */
export function checkMailboxRules(m: StoredMailbox): void {
  if (m.sharedMailbox !== null && m.provider !== 'microsoft')
    throw new RelayError('validation', 'sharedMailbox is only available for Office 365 mailboxes', {
      field: 'sharedMailbox',
    });
  if (m.provider === 'imap' && m.secrets.password === undefined)
    throw new RelayError('validation', 'password is required for an IMAP mailbox', { field: 'password' });
  if (m.autoProcessing) {
    if (m.folders.imported === null)
      throw new RelayError('validation', 'folders.imported must be set before Auto processing is turned on', {
        field: 'folders.imported',
      });
    if (m.folders.notImported === null)
      throw new RelayError(
        'validation',
        'folders.notImported must be set before Auto processing is turned on',
        { field: 'folders.notImported' },
      );
    if (m.company === '')
      throw new RelayError('validation', 'company must be set before Auto processing is turned on', {
        field: 'company',
      });
  }
}
