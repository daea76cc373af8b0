/**
 * The move of decided mails out of the source, made crash-proof also on servers without MOVE
 * (RFC 6851), where COPY and the removal from the source are two commands (issue 8). Before the
 * COPY the ledger records `copying` with the target's UIDNEXT; a run that finds such an entry looks
 * for the copy in the target before copying again, so a lost answer or a crash between the two
 * commands never leaves a mail twice in "Move imported mails to".
 */
import type { MailboxSession } from '../mail/driver.js';
import type { Ledger, LedgerEntry } from './ledger.js';
import type { Failpoint } from './failpoints.js';

export interface MoveContext {
  session: MailboxSession;
  ledger: Ledger;
  runId: string;
  now: () => Date;
  failpoint: (at: Failpoint) => void;
  targets: { imported: string; notImported: string };
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
        beforeCopy: (mark) => {
          ctx.ledger.record(group.map((e) => ({ ...stamp(ctx, e, 'copying'), target: mark })));
          ctx.failpoint('before-copy');
        },
        afterCopy: () => ctx.failpoint('after-copy'),
        afterStore: () => ctx.failpoint('after-store'),
      },
    );
    ctx.ledger.record(group.map((e) => stamp(ctx, e, 'moved')));
  }
}

export interface Recovered {
  /** Entries whose move an earlier run finished on the server without recording it. */
  finished: LedgerEntry[];
  /** Entries whose copy was found in the target: the source copy was removed, nothing copied again. */
  copyFound: LedgerEntry[];
}

/**
 * Settles what an earlier run left between "decided" and "moved" in this folder generation:
 * - `decided` or `copying` and gone from the source: the move happened (UID MOVE is atomic, and the
 *   source copy is only removed after a COPY succeeded), only the record is missing;
 * - `copying` and still in the source: its copy is searched in the target; found, only the removal
 *   from the source is left; not found, it is `decided` again and moved as usual.
 */
export async function recoverMoves(
  ctx: MoveContext,
  folder: string,
  uidValidity: string,
  listed: ReadonlySet<number>,
): Promise<Recovered> {
  const copying = ctx.ledger.entriesIn(folder, uidValidity, 'copying');
  const open = [...ctx.ledger.entriesIn(folder, uidValidity, 'decided'), ...copying];
  const out: Recovered = { finished: [], copyFound: [] };
  if (copying.length === 0 && open.every((e) => listed.has(e.uid))) return out;
  // Mails flagged \Deleted are not listed but still there (a server without UIDPLUS, or a crash
  // between STORE and UID EXPUNGE).
  const flagged = new Set(await ctx.session.listUids({ deleted: true }));
  const present = (e: LedgerEntry) => listed.has(e.uid) || flagged.has(e.uid);
  out.finished = open.filter((e) => !present(e));
  ctx.ledger.record(out.finished.map((e) => stamp(ctx, e, 'moved')));

  const byTarget = new Map<string, LedgerEntry[]>();
  for (const e of copying.filter(present)) {
    const path =
      e.target?.path ?? (e.outcome === 'imported' ? ctx.targets.imported : ctx.targets.notImported);
    byTarget.set(path, [...(byTarget.get(path) ?? []), e]);
  }
  for (const [path, entries] of byTarget) {
    const copies = await ctx.session.findCopies(
      path,
      entries.map((e) => ({
        messageId: e.messageId,
        size: e.size ?? null,
        rawSha256: e.rawSha256,
        since: e.target ?? null,
      })),
    );
    const found = entries.filter((_, i) => copies[i] !== null);
    await ctx.session.removeFromSource(found.map((e) => e.uid));
    ctx.ledger.record(found.map((e) => stamp(ctx, e, 'moved')));
    out.copyFound.push(...found);
    // No copy: the COPY never happened. Decided again, the usual move takes them (with a new intent).
    ctx.ledger.record(entries.filter((_, i) => copies[i] === null).map((e) => stamp(ctx, e, 'decided')));
  }
  return out;
}
