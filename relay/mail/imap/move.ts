/**
 * Moving mails out of the source folder without ever losing one. imapflow's messageMove and messageCopy
 * answer `false` instead of throwing, and messageDelete falls back to a bare EXPUNGE without UIDPLUS,
 * which would also remove mails someone else flagged \Deleted. So each step is checked here.
 */
import type { ImapFlow } from 'imapflow';
import type { FolderMark, MoveResult, MoveSteps } from '../driver.js';
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
  steps: MoveSteps = {},
): Promise<MoveResult> {
  const sets = compressUidSet(uids);
  // RFC 6851: UID MOVE is atomic, the source loses the mails only when the target has them.
  if (capabilities.has('MOVE')) {
    for (const set of sets) {
      if (!(await client.messageMove(set, target, { uid: true }))) await refused(refusedMove(target));
    }
    return { sourceCleared: true };
  }
  // The target's UIDNEXT before the first COPY bounds the UIDs the copies get (RFC 9051 §2.3.1.1).
  await steps.beforeCopy?.(await folderMark(client, target, refused));
  for (const set of sets) {
    if (!(await client.messageCopy(set, target, { uid: true }))) await refused(refusedMove(target));
  }
  steps.afterCopy?.();
  // Only after every COPY succeeded (RFC 9051 §6.4.7: a failed COPY leaves the target as it was).
  const result = await removeUids(client, capabilities, uids, refused, target);
  steps.afterStore?.();
  return result;
}

/**
 * STORE +FLAGS.SILENT (\Deleted), then with UIDPLUS a UID EXPUNGE of the same set (RFC 4315 §2.1):
 * a plain EXPUNGE would remove every \Deleted mail, also other clients'. imapflow's messageDelete
 * sends exactly that pair when UIDPLUS is there; without it only the flag is set.
 */
export async function removeUids(
  client: ImapFlow,
  capabilities: ReadonlySet<string>,
  uids: number[],
  refused: (message: string) => Promise<never>,
  copiedTo?: string,
): Promise<MoveResult> {
  const uidExpunge = capabilities.has('UIDPLUS');
  for (const set of compressUidSet(uids)) {
    const removed = uidExpunge
      ? await client.messageDelete(set, { uid: true })
      : await client.messageFlagsAdd(set, ['\\Deleted'], { uid: true, silent: true });
    if (!removed)
      await refused(
        `The mails were copied to "${copiedTo ?? 'the target folder'}" but the mail server refused to remove them from the source folder.`,
      );
  }
  return { sourceCleared: uidExpunge };
}

async function folderMark(
  client: ImapFlow,
  path: string,
  refused: (message: string) => Promise<never>,
): Promise<FolderMark> {
  const status = await client.status(path, { uidNext: true, uidValidity: true });
  if (!status || status.uidNext === undefined || status.uidValidity === undefined)
    return refused(`The mail server did not tell the state of "${path}".`);
  return { path, uidValidity: status.uidValidity.toString(), uidNext: status.uidNext };
}

const refusedMove = (target: string) => `The mail server refused to move mails to "${target}".`;
