/**
 * Moving mails out of the source folder without ever losing one. imapflow's messageMove and messageCopy
 * answer `false` instead of throwing, and messageDelete falls back to a bare EXPUNGE without UIDPLUS,
 * which would also remove mails someone else flagged \Deleted. So each step is checked here.
 */
import type { ImapFlow } from 'imapflow';
import type { MoveResult } from '../driver.js';
import { compressUidSet } from './uid-set.js';

/**
 * Moves `uids` of the selected folder to `target`, one command (or one COPY, STORE, UID EXPUNGE triple)
 * per UID set. `refused` is called when the server refuses a step and must throw the fitting error.
 */
export async function moveUids(
  client: ImapFlow,
  capabilities: ReadonlySet<string>,
  uids: number[],
  target: string,
  refused: (message: string) => Promise<never>,
): Promise<MoveResult> {
  const sets = compressUidSet(uids);
  // RFC 6851: UID MOVE is atomic, the source loses the mails only when the target has them.
  if (capabilities.has('MOVE')) {
    for (const set of sets) {
      if (!(await client.messageMove(set, target, { uid: true }))) await refused(refusedMove(target));
    }
    return { sourceCleared: true };
  }
  // RFC 4315 §2.1: UID EXPUNGE removes exactly these UIDs; plain EXPUNGE would remove every \Deleted mail.
  const uidExpunge = capabilities.has('UIDPLUS');
  for (const set of sets) {
    if (!(await client.messageCopy(set, target, { uid: true }))) await refused(refusedMove(target));
    // Only after a successful copy: imapflow's messageDelete is STORE +FLAGS.SILENT \Deleted, then
    // UID EXPUNGE of the same set when UIDPLUS is there (it would send a bare EXPUNGE otherwise).
    const removed = uidExpunge
      ? await client.messageDelete(set, { uid: true })
      : await client.messageFlagsAdd(set, ['\\Deleted'], { uid: true, silent: true });
    if (!removed) {
      await refused(
        `The mails were copied to "${target}" but the mail server refused to remove them from the source folder.`,
      );
    }
  }
  return { sourceCleared: uidExpunge };
}

const refusedMove = (target: string) => `The mail server refused to move mails to "${target}".`;
