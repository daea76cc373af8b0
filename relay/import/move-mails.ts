/**
 * The move of decided mails out of the source, made crash-proof also on servers without MOVE
 * (RFC 6851), where COPY and the removal from the source are two commands (issue 8). Before the
 * COPY the ledger records `copying` with the target's UIDNEXT; a run that finds such an entry looks
 * for the copy in the target before copying again, so a lost answer or a crash between the two
 * commands does not leave a mail twice in "Move imported mails to". (A mail with neither
 * Message-ID nor hash, or a target renumbered meanwhile, is copied again: better twice than lost.)
 */
import { RelayError } from '../errors.js';
import type { MailboxSession } from '../mail/driver.js';
import type { MailboxLedger } from '../store/repository.js';
import type { LedgerEntry } from './ledger-entry.js';
import type { Failpoint } from './failpoints.js';

export interface MoveContext {
  session: MailboxSession;
  ledger: MailboxLedger;
  runId: string;
  now: () => Date;
  failpoint: (at: Failpoint) => void;
  targets: { imported: string; notImported: string };
  /**
   * A COPY whose answer was lost may still be running on the server for a while (a stalled
   * connection): its intent is trusted this long before "no copy found" means "never copied".
   */
  copyGraceMs: number;
}

const stamp = (ctx: MoveContext, e: LedgerEntry, status: LedgerEntry['status']): LedgerEntry => {
  const { target: _target, ...rest } = e;
  return { ...rest, status, at: ctx.now().toISOString(), runId: ctx.runId };
};

/** Moves `decided` entries to their outcome's folder; each is recorded `moved` once its move is done. */
export async function moveDecided(ctx: MoveContext, entries: LedgerEntry[]): Promise<void> {
  for (const [outcome, target] of [
    ['imported', ctx.targets.imported],
    ['not_imported', ctx.targets.notImported],
  ] as const) {
    const group = entries.filter((e) => e.status === 'decided' && e.outcome === outcome);
    if (group.length === 0) continue;
    await ctx.session.move(
      group.map((e) => e.uid),
      target,
      {
        beforeCopy: async (mark) => {
          await ctx.ledger.record(group.map((e) => ({ ...stamp(ctx, e, 'copying'), target: mark })));
          ctx.failpoint('before-copy');
        },
        afterCopy: () => ctx.failpoint('after-copy'),
        afterStore: () => ctx.failpoint('after-store'),
      },
    );
    await ctx.ledger.record(group.map((e) => stamp(ctx, e, 'moved')));
  }
}

export interface Recovered {
  /** Entries whose copy was found in the target: the source copy was removed, nothing copied again. */
  copyFound: LedgerEntry[];
  /** Entries whose COPY may still be running on the server: left alone this run (skipped). */
  waiting: LedgerEntry[];
  /** UIDs that were flagged \\Deleted without a copy and are listed again (decided, to be moved). */
  restored: number[];
}

const targetOf = (ctx: MoveContext, e: LedgerEntry) =>
  e.outcome === 'imported' ? ctx.targets.imported : ctx.targets.notImported;

/**
 * Settles what an earlier run left between "decided" and "moved" in this folder generation:
 * - `decided` or `copying` and gone from the source: the move happened (UID MOVE is atomic, and the
 *   source copy is only removed after a COPY succeeded), only the record is missing;
 * - `copying` and still in the source: its copy is searched in the target; found, only the removal
 *   from the source is left; not found, it is `decided` again (and no longer flagged \Deleted) and
 *   moved as usual, unless its COPY may still be running on the server (younger than `copyGraceMs`);
 * - `decided` by a relay before issue 8 on a server without MOVE: it may have been copied already
 *   (nothing recorded the intent then), so it is searched for like a `copying` one.
 */
export async function recoverMoves(
  ctx: MoveContext,
  folder: string,
  uidValidity: string,
  listed: ReadonlySet<number>,
): Promise<Recovered> {
  const decided = await ctx.ledger.entriesIn(folder, uidValidity, 'decided');
  const copying = await ctx.ledger.entriesIn(folder, uidValidity, 'copying');
  const out: Recovered = { copyFound: [], waiting: [], restored: [] };
  if (copying.length === 0 && decided.every((e) => listed.has(e.uid) && e.runId !== undefined)) return out;
  // Mails flagged \Deleted are not listed but still there (a server without UIDPLUS, or a crash
  // between STORE and UID EXPUNGE).
  const flagged = new Set(await ctx.session.listUids({ deleted: true }));
  const present = (e: LedgerEntry) => listed.has(e.uid) || flagged.has(e.uid);
  const open = [...decided, ...copying];
  await ctx.ledger.record(open.filter((e) => !present(e)).map((e) => stamp(ctx, e, 'moved')));
  const legacy = ctx.session.capabilities.has('MOVE')
    ? []
    : decided.filter((e) => e.runId === undefined && present(e));

  const byTarget = new Map<string, LedgerEntry[]>();
  for (const e of [...copying.filter(present), ...legacy]) {
    const path = e.target?.path ?? targetOf(ctx, e);
    byTarget.set(path, [...(byTarget.get(path) ?? []), e]);
  }
  const again: LedgerEntry[] = [];
  for (const [path, entries] of byTarget) {
    const copies = await findCopies(ctx, path, entries);
    const found = entries.filter((_, i) => copies[i] !== null);
    await ctx.session.removeFromSource(found.map((e) => e.uid));
    await ctx.ledger.record(found.map((e) => stamp(ctx, e, 'moved')));
    out.copyFound.push(...found);
    for (const e of entries.filter((_, i) => copies[i] === null)) {
      // Flagged means our STORE ran, so its COPY had finished: only an unflagged one may be in flight.
      const young =
        e.status === 'copying' &&
        !flagged.has(e.uid) &&
        ctx.now().getTime() - Date.parse(e.at) < ctx.copyGraceMs;
      (young ? out.waiting : again).push(e);
    }
  }
  // No copy: the COPY never happened. Decided again, the usual move takes them (with a new intent);
  // a copy flagged \Deleted by our STORE must lose the flag, or any client's EXPUNGE would lose it.
  out.restored = again.filter((e) => flagged.has(e.uid)).map((e) => e.uid);
  await ctx.session.restoreInSource(out.restored);
  await ctx.ledger.record(again.map((e) => stamp(ctx, e, 'decided')));
  return out;
}

/** A target that is gone (renamed, deleted) holds no copy: the mails go to the current target. */
async function findCopies(ctx: MoveContext, path: string, entries: LedgerEntry[]) {
  try {
    return await ctx.session.findCopies(
      path,
      entries.map((e) => ({
        messageId: e.messageId,
        size: e.size ?? null,
        rawSha256: e.rawSha256,
        since: e.target ?? null,
      })),
    );
  } catch (e) {
    if (e instanceof RelayError && e.kind === 'folder_missing') return entries.map(() => null);
    throw e;
  }
}
