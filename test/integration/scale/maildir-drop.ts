/**
 * Mail arriving the way a delivery agent drops it: files written into the folder's Maildir
 * (tmp/ then new/), which Dovecot picks up at its next sync of that folder, e.g. the relay's
 * SELECT. `Dovecot.appendMessages` does the same write plus two `doveadm mailbox status` calls
 * around it (so UIDs exist at once); with 200 users on a loaded 2-core machine those calls made
 * 200 arrivals take 25 s, far longer than the relays' burst they are meant to land in.
 */
import type { Dovecot } from '../../helpers/dovecot.js';
import { writeMaildir } from '../../helpers/dovecot-io.js';

/** The Maildir of `folder` for every user, made to exist (one doveadm call each, for all users). */
export async function maildirPaths(dovecot: Dovecot, folder: string): Promise<Map<string, string>> {
  // A status creates the Maildir on first use, as appendMessages relies on too.
  await dovecot.doveadm(['-f', 'tab', 'mailbox', 'status', '-A', 'messages', folder]);
  const out = await dovecot.doveadm(['-f', 'tab', 'mailbox', 'path', '-A', folder]);
  const paths = new Map<string, string>();
  for (const line of out.split('\n').slice(1)) {
    const [user, dir] = line.split('\t');
    if (user && dir) paths.set(user, dir);
  }
  return paths;
}

export const dropMails = (maildir: string, raws: Buffer[]): Promise<void> => writeMaildir(maildir, raws);
