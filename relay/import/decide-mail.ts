import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DocumentInfo, MailResult } from '../../shared/run.js';
import { RelayError } from '../errors.js';
import type { MessageSummary } from '../mail/driver.js';
import type { StoredMailbox } from '../store/records.js';
import { StagedMail } from './delivery/staging.js';
import type { DeliveryTarget } from './delivery/target.js';
import { type ExtractResult, extractDocuments } from './extract/extract-documents.js';
import type { MailboxLedger } from '../store/repository.js';
import type { LedgerEntry } from './ledger-entry.js';

export interface DecideContext {
  /** Mails of the current batch by Message-ID and raw hash: a second copy waits for the first. */
  inBatch?: Map<string, Promise<LedgerEntry>>;
  mailbox: StoredMailbox;
  /** Written into every ledger line, so an interrupted run's work can be counted (issue 8). */
  runId: string;
  folder: string;
  uidValidity: string;
  ledger: MailboxLedger;
  /** What the ledger held for the mails being decided (a retry's earlier attempts). */
  previous: Map<number, LedgerEntry>;
  target: DeliveryTarget;
  stagingRoot: string;
  maxTries: number;
  retryBaseMs: number;
  now: () => Date;
}

export interface Decision {
  entry: LedgerEntry;
  result: MailResult;
}

/** The same key for every attempt at one mail: the outbox folder name and the Idempotency-Key. */
export const deliveryKey = (folder: string, uidValidity: string, uid: number) =>
  `${createHash('sha256').update(folder).digest('hex').slice(0, 8)}-${uidValidity}-${uid}`;

function decision(
  ctx: DecideContext,
  s: MessageSummary,
  fields: Partial<LedgerEntry>,
  docs: DocumentInfo[],
  detail: string | null,
): Decision {
  const entry: LedgerEntry = {
    folder: ctx.folder,
    uidValidity: ctx.uidValidity,
    uid: s.uid,
    messageId: s.messageId,
    rawSha256: null,
    documents: docs.map((d) => d.sha256),
    status: 'decided',
    outcome: null,
    reason: null,
    attempts: 0,
    nextAttemptAt: null,
    at: ctx.now().toISOString(),
    size: s.size,
    runId: ctx.runId,
    ...fields,
  };
  const outcome = entry.status === 'retrying' ? 'retrying' : (entry.outcome ?? 'not_imported');
  return {
    entry,
    result: {
      uid: s.uid,
      messageId: entry.messageId,
      subject: s.subject,
      from: s.from,
      outcome,
      reason: entry.reason,
      detail,
      documents: docs,
    },
  };
}

export const tooLarge = (ctx: DecideContext, s: MessageSummary, limit: number): Decision =>
  decision(
    ctx,
    s,
    { outcome: 'not_imported', reason: 'too_large' },
    [],
    `The mail has ${Math.ceil(s.size / 1048576)} MB; the limit is ${Math.round(limit / 1048576)} MB.`,
  );

/** Extract, deliver, decide: DESIGN §3 steps 3 and 4 for one mail, before anything is stored or moved. */
export async function decideMail(ctx: DecideContext, s: MessageSummary, raw: Readable): Promise<Decision> {
  let sourceError: Error | null = null;
  raw.once('error', (e) => (sourceError = e));
  const staged = StagedMail.create(ctx.stagingRoot);
  const previous = ctx.previous.get(s.uid);
  try {
    const x = await extractDocuments(raw, staged.sink).catch((e: unknown) => {
      if (sourceError)
        throw new RelayError('network', 'The connection to the mail server broke while downloading a mail.', {
          cause: sourceError,
        });
      throw e;
    });
    const known = { messageId: x.messageId ?? s.messageId, rawSha256: x.rawSha256 };
    const same = await ctx.ledger.findSameMail(known.messageId, x.rawSha256);
    if (
      same?.outcome &&
      !(same.folder === ctx.folder && same.uidValidity === ctx.uidValidity && same.uid === s.uid)
    )
      return decision(
        ctx,
        s,
        { ...known, outcome: same.outcome, reason: same.reason, documents: same.documents },
        [],
        'Already handled under an earlier UID; not delivered again.',
      );
    // The same mail twice in one batch (two UIDs, same bytes): delivered once, decided alike.
    const twinKey = known.messageId ? `${known.messageId}\0${x.rawSha256}` : null;
    const twin = twinKey ? ctx.inBatch?.get(twinKey) : undefined;
    if (twin) {
      const first = await twin.catch(() => null);
      if (first?.outcome)
        return decision(
          ctx,
          s,
          { ...known, outcome: first.outcome, reason: first.reason, documents: first.documents },
          [],
          `The same mail is also at UID ${first.uid}; delivered once.`,
        );
    }
    const decided = decideExtracted(ctx, s, staged, x, known, previous?.attempts ?? 0);
    if (twinKey && !twin) {
      const entry = decided.then((d) => d.entry);
      // Awaited only by a twin, if one comes; a failure is reported through `decided`.
      entry.catch(() => {});
      ctx.inBatch?.set(twinKey, entry);
    }
    return await decided;
  } finally {
    staged.discard();
  }
}

/** What becomes of an extracted mail: no documents, unparseable, or the delivery's verdict. */
async function decideExtracted(
  ctx: DecideContext,
  s: MessageSummary,
  staged: StagedMail,
  x: ExtractResult,
  known: { messageId: string | null; rawSha256: string },
  previousAttempts: number,
): Promise<Decision> {
  if (x.unparseable !== null)
    return decision(ctx, s, { ...known, outcome: 'not_imported', reason: 'unparseable' }, [], x.unparseable);
  if (x.documents.length === 0)
    return decision(ctx, s, { ...known, outcome: 'not_imported', reason: 'no_documents' }, [], null);
  const delivered = await ctx.target.deliver(deliveryKey(ctx.folder, ctx.uidValidity, s.uid), staged, {
    mailboxId: ctx.mailbox.id,
    mailbox: ctx.mailbox.description,
    company: ctx.mailbox.company,
    folder: ctx.folder,
    uidValidity: ctx.uidValidity,
    uid: s.uid,
    messageId: known.messageId,
    from: x.from ?? s.from,
    subject: x.subject ?? s.subject,
    date: x.date ?? s.date,
    rawSha256: x.rawSha256,
  });
  if (delivered.status === 'accepted')
    return decision(ctx, s, { ...known, outcome: 'imported' }, x.documents, null);
  if (delivered.status === 'rejected')
    return decision(
      ctx,
      s,
      { ...known, outcome: 'not_imported', reason: 'rejected' },
      x.documents,
      delivered.detail,
    );
  const attempts = previousAttempts + 1;
  if (attempts >= ctx.maxTries)
    return decision(
      ctx,
      s,
      { ...known, outcome: 'not_imported', reason: 'gave_up', attempts },
      x.documents,
      `${delivered.detail} (gave up after ${attempts} tries)`,
    );
  const next = new Date(ctx.now().getTime() + ctx.retryBaseMs * 2 ** (attempts - 1)).toISOString();
  return decision(
    ctx,
    s,
    { ...known, status: 'retrying', attempts, nextAttemptAt: next },
    x.documents,
    delivered.detail,
  );
}
