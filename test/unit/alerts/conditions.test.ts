import { expect, it } from 'vitest';
import { initialState, type MailboxState } from '../../../shared/mailbox.js';
import {
  mailboxConditions,
  relayConditions,
  type AlertThresholds,
} from '../../../relay/alerts/conditions.js';
import { stateAfterRun } from '../../../relay/import/state-after-run.js';
import type { StoredMailbox } from '../../../relay/store/records.js';

const NOW = new Date('2026-12-02T10:00:00Z');
const T: AlertThresholds = {
  retryingMinutes: 30,
  expiryDays: 14,
  msClientSecretExpires: undefined,
  microsoftConfigured: true,
};

const mailbox = (state: Partial<MailboxState>, over: Partial<StoredMailbox> = {}): StoredMailbox =>
  ({
    id: 'mb1',
    provider: 'imap',
    description: 'AP inbox',
    account: null,
    state: { ...initialState(), ...state },
    ...over,
  }) as StoredMailbox;

it('a mailbox that is ok, or retrying for less than the threshold, raises nothing', () => {
  expect(mailboxConditions(mailbox({}), NOW, T)).toEqual([]);
  const since = new Date(NOW.getTime() - 29 * 60_000).toISOString();
  expect(mailboxConditions(mailbox({ status: 'retrying', retrying: { mails: 3, since } }), NOW, T)).toEqual(
    [],
  );
});

it('mails retrying past the threshold raise one warning that says how many and since when', () => {
  const since = new Date(NOW.getTime() - 31 * 60_000).toISOString();
  const [c, ...rest] = mailboxConditions(
    mailbox({ status: 'retrying', retrying: { mails: 3, since } }),
    NOW,
    T,
  );
  expect(rest).toEqual([]);
  expect(c).toMatchObject({
    key: 'mailbox:mb1:retrying',
    kind: 'mails_retrying',
    severity: 'warning',
    action: 'check_delivery',
  });
  expect(c!.message).toContain(`3 mails have waited for a retry since ${since}`);
});

it('each state that stops imports is critical, with what to do', () => {
  const cases: [Partial<MailboxState>, Partial<StoredMailbox>, string][] = [
    [{ status: 'auth_failed', error: { kind: 'auth', message: 'x' } }, {}, 'check_password'],
    [
      { status: 'auth_failed', error: { kind: 'auth', message: 'x' } },
      { provider: 'microsoft' },
      'reconnect',
    ],
    [
      { status: 'needs_reauth', error: { kind: 'needs_reauth', message: 'x' } },
      { provider: 'google' },
      'reconnect',
    ],
    [{ status: 'folder_missing', error: { kind: 'folder_missing', message: 'x' } }, {}, 'check_folder'],
    [
      { status: 'error', error: { kind: 'consent_required', message: 'x' } },
      { provider: 'microsoft' },
      'ask_aad_manager',
    ],
    [{ status: 'error', error: { kind: 'storage', message: 'x' } }, {}, 'tell_relay_admin'],
    [{ status: 'error', error: { kind: 'network', message: 'x' } }, {}, 'check_settings'],
  ];
  for (const [state, over, action] of cases)
    expect(mailboxConditions(mailbox(state, over), NOW, T)).toEqual([
      expect.objectContaining({
        key: `mailbox:mb1:state:${state.status}`,
        kind: 'mailbox_state',
        severity: 'critical',
        action,
      }),
    ]);
});

it('a sign-in that ends within the window warns, naming the date; not an IMAP login, not past the window', () => {
  const ends = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();
  const oauth = (d: number) =>
    mailbox(
      {},
      {
        provider: 'microsoft',
        account: { address: 'a@x.test', tenant: 't', expiresAt: null, refreshExpiresAt: ends(d) },
      },
    );
  expect(mailboxConditions(oauth(15), NOW, T)).toEqual([]);
  const [c] = mailboxConditions(oauth(13), NOW, T);
  expect(c).toMatchObject({
    key: 'mailbox:mb1:token',
    kind: 'token_expiring',
    action: 'reconnect',
    due: ends(13),
  });
  expect(c!.message).toContain(ends(13).slice(0, 10));
});

it('the client secret warns within the window and is critical once expired; nothing without an Office 365 app', () => {
  expect(relayConditions(NOW, { ...T, msClientSecretExpires: '2027-01-01' })).toEqual([]);
  expect(relayConditions(NOW, { ...T, msClientSecretExpires: '2026-12-10' })[0]).toMatchObject({
    severity: 'warning',
    due: '2026-12-10',
  });
  expect(relayConditions(NOW, { ...T, msClientSecretExpires: '2026-12-01' })[0]).toMatchObject({
    severity: 'critical',
  });
  expect(
    relayConditions(NOW, { ...T, msClientSecretExpires: '2026-12-10', microsoftConfigured: false }),
  ).toEqual([]);
});

it('states after runs: mails waiting → retrying; one transient failure → retrying; two → error; success → ok', () => {
  const end = (error: MailboxState['error'], mails = 0, retryable = error?.kind === 'timeout') => ({
    error,
    retryable,
    finishedAt: NOW.toISOString(),
    runId: 'r',
    waiting: { mails, detail: mails ? 'The delivery target answered 503' : null },
  });
  const waiting = stateAfterRun(initialState(), end(null, 2));
  expect(waiting).toMatchObject({
    status: 'retrying',
    retrying: { mails: 2, since: NOW.toISOString() },
    failedRuns: 0,
  });
  expect(waiting.error?.message).toContain('503');
  const later = stateAfterRun(waiting, { ...end(null, 1), finishedAt: '2026-12-02T11:00:00Z' });
  expect(later.retrying).toEqual({ mails: 1, since: NOW.toISOString() });
  const once = stateAfterRun(initialState(), end({ kind: 'timeout', message: 'slow' }));
  expect(once).toMatchObject({ status: 'retrying', failedRuns: 1 });
  expect(stateAfterRun(once, end({ kind: 'timeout', message: 'slow' }))).toMatchObject({
    status: 'error',
    failedRuns: 2,
  });
  expect(stateAfterRun(initialState(), end({ kind: 'config', message: 'x' }))).toMatchObject({
    status: 'error',
  });
  // The error's own flag decides: a protocol answer "[UNAVAILABLE]" may pass, a plain one does not.
  expect(stateAfterRun(initialState(), end({ kind: 'protocol', message: 'x' }, 0, true)).status).toBe(
    'retrying',
  );
  expect(stateAfterRun(initialState(), end({ kind: 'protocol', message: 'x' }, 0, false)).status).toBe(
    'error',
  );
  // A failed run counted nothing: the mails still waiting from before stay counted.
  expect(stateAfterRun(waiting, end({ kind: 'timeout', message: 'slow' })).retrying).toEqual(
    waiting.retrying,
  );
  expect(stateAfterRun(once, end(null))).toMatchObject({
    status: 'ok',
    failedRuns: 0,
    retrying: null,
    error: null,
  });
});
