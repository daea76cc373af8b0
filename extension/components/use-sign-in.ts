import { useState } from 'preact/hooks';
import type { Mailbox } from '../../shared/mailbox.js';
import type { Consent, OAuthProvider } from '../../shared/oauth.js';
import type { AppError, Reply, Send } from '../lib/messaging';

export type SignInBusy = { kind: 'connect'; provider: OAuthProvider } | { kind: 'consent' };

/**
 * The sign-in flows as the panel sees them: the background opens the provider's window and answers
 * when the user is done. One at a time; a failure stays shown until the next attempt.
 */
export function useSignIn(send: Send) {
  const [busy, setBusy] = useState<SignInBusy | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const run = async <T>(what: SignInBusy, call: () => Promise<Reply<T>>): Promise<T | null> => {
    setBusy(what);
    setError(null);
    const reply = await call();
    setBusy(null);
    if (reply.ok) return reply.data;
    setError(reply.error);
    return null;
  };

  return {
    busy,
    error,
    clearError: () => setError(null),
    /** New → Office 365 / Gmail; with a mailbox, Reconnect it. */
    connect: (provider: OAuthProvider, mailbox?: Mailbox): Promise<Mailbox | null> =>
      run({ kind: 'connect', provider }, () =>
        send('connectMailbox', mailbox ? { provider, mailboxId: mailbox.id } : { provider }),
      ),
    consent: (): Promise<Consent | null> => run({ kind: 'consent' }, () => send('giveConsent', null)),
  };
}
