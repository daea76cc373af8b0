/** Valid records for the store contract tests: each checked against its schema when built. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { Alert } from '../../../shared/alert.js';
import { initialState } from '../../../shared/mailbox.js';
import { ImportRun } from '../../../shared/run.js';
import { LedgerEntry } from '../../../relay/import/ledger-entry.js';
import { StoredConsent, StoredMailbox } from '../../../relay/store/records.js';

/** What a sealed secret looks like (secret-box.ts): the stores keep it as an opaque string. */
export const sealed = (seed: string) => `v1.0a1b2c3d.${Buffer.from(`iv|tag|${seed}`).toString('base64')}`;

export function imapMailbox(over: Partial<StoredMailbox> = {}): StoredMailbox {
  return StoredMailbox.parse({
    id: randomUUID(),
    provider: 'imap',
    description: 'Invoices Ärger & Co',
    company: 'ACME GmbH',
    access: { user: 'anna' },
    autoProcessing: true,
    schedule: '*/5 * * * *',
    imap: { host: 'imap.example.com', port: 993, security: 'tls' },
    username: 'invoices@example.com\\shared',
    sharedMailbox: null,
    folders: { source: 'INBOX', imported: 'INBOX/Imported', notImported: 'INBOX/Not imported' },
    account: null,
    state: { ...initialState(), nextRun: '2026-12-02T07:05:00.000Z' },
    createdBy: 'anna',
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
    secrets: { password: sealed('password') },
    ...over,
  });
}

export function microsoftMailbox(over: Partial<StoredMailbox> = {}): StoredMailbox {
  return StoredMailbox.parse({
    ...imapMailbox(),
    provider: 'microsoft',
    description: 'Office 365 invoices',
    access: { role: 'Accounting' },
    autoProcessing: false,
    imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
    username: 'invoices@contoso.com',
    sharedMailbox: { enabled: true, address: 'ap@contoso.com' },
    account: {
      address: 'bob@contoso.com',
      tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      expiresAt: '2026-12-02T08:00:00.000Z',
      refreshExpiresAt: '2027-03-02T07:00:00.000Z',
    },
    state: {
      ...initialState(),
      status: 'retrying',
      error: { kind: 'delivery', message: 'target answered 503' },
      lastRun: '2026-12-02T06:55:00.000Z',
      lastRunId: '20261202T065500-abcd',
      retrying: { mails: 2, since: '2026-12-02T06:55:00.000Z' },
      failedRuns: 1,
    },
    secrets: { oauth: sealed('refresh-token') },
    ...over,
  });
}

export function consent(tenant: string, consentedAt = '2026-12-01T09:00:00.000Z'): StoredConsent {
  return StoredConsent.parse({ tenant, consentedAt, consentedBy: 'admin@contoso.com' });
}

export function entry(over: Partial<LedgerEntry> & Pick<LedgerEntry, 'uid'>): LedgerEntry {
  return LedgerEntry.parse({
    folder: 'INBOX',
    uidValidity: '1700000000',
    messageId: `<mail-${over.uid}@example.com>`,
    rawSha256: `sha-${over.uid}`,
    documents: [`doc-${over.uid}.pdf`],
    status: 'moved',
    outcome: 'imported',
    reason: null,
    attempts: 1,
    nextAttemptAt: null,
    at: '2026-12-02T06:00:00.000Z',
    size: 1024 * over.uid,
    runId: '20261202T060000-abcd',
    ...over,
  });
}

export function run(over: Partial<ImportRun> & Pick<ImportRun, 'id' | 'mailboxId'>): ImportRun {
  return ImportRun.parse({
    trigger: 'schedule',
    status: 'completed',
    startedAt: '2026-12-02T07:00:00.000Z',
    finishedAt: '2026-12-02T07:00:05.000Z',
    counts: { seen: 2, imported: 1, notImported: 1, retrying: 0, skipped: 0 },
    error: null,
    mails: [
      {
        uid: 7,
        messageId: '<a@example.com>',
        subject: 'Rechnung 2026-117',
        from: 'billing@supplier.example',
        outcome: 'imported',
        reason: null,
        detail: null,
        documents: [{ filename: 'invoice.pdf', type: 'pdf', size: 48213, sha256: 'ab'.repeat(32) }],
      },
      {
        uid: 8,
        messageId: null,
        subject: null,
        from: null,
        outcome: 'not_imported',
        reason: 'no_documents',
        detail: 'no attachment is a document',
        documents: [],
      },
    ],
    ...over,
  });
}

export function alert(over: Partial<Alert> & Pick<Alert, 'id'>): Alert {
  return Alert.parse({
    key: `mailbox_state:${over.id}`,
    kind: 'mailbox_state',
    severity: 'critical',
    status: 'open',
    mailboxId: null,
    mailbox: null,
    message: 'The mail server refused the password.',
    action: 'check_password',
    due: null,
    raisedAt: new Date().toISOString(),
    resolvedAt: null,
    notified: ['webhook:raised'],
    ...over,
  });
}

/** The RelayError a promise rejects with, matched on its kind (and field). */
export async function expectRelayError(
  promise: Promise<unknown>,
  kind: string,
  field?: string,
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `rejects with a RelayError of kind ${kind}`).toBeInstanceOf(Error);
  expect(error).toMatchObject({ name: 'RelayError', kind, ...(field === undefined ? {} : { field }) });
}

export const byId = <T extends { id: string }>(list: T[]) =>
  [...list].sort((a, b) => a.id.localeCompare(b.id));
