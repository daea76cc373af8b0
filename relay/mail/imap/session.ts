/** One logged-in IMAP connection with one selected folder: the MailboxSession of the IMAP driver. */
import { PassThrough, type Readable } from 'node:stream';
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { FolderInfo } from '../../../shared/connection-check.js';
import { RelayError } from '../../errors.js';
import type {
  CopyProbe,
  FolderStatus,
  MailboxSession,
  MessageSummary,
  MoveResult,
  MoveSteps,
} from '../driver.js';
import { classifyImapError, type ErrorContext } from './classify-error.js';
import { findCopiesIn } from './find-copies.js';
import { chunk, compressUidSet } from './uid-set.js';
import { moveUids, removeUids } from './move.js';

/** UIDs per summary FETCH: one round trip each, the answers of 500 envelopes stay small. */
const SUMMARY_BATCH = 500;
const SUMMARY_QUERY = { uid: true, envelope: true, size: true } as const;
/** download() asks for 64 KB per round trip by default; 1 MB made large mails markedly faster (DESIGN.md §3). */
const DOWNLOAD_CHUNK = 1024 * 1024;

export const folderMissing = (path: string) =>
  new RelayError('folder_missing', `The folder "${path}" does not exist on the mail server.`, {
    field: 'folders',
  });

export class ImapSession implements MailboxSession {
  readonly capabilities: ReadonlySet<string>;
  private fetching = false;
  /** The folder openFolder() selected, to select it again after looking into another one. */
  private selected: FolderStatus | null = null;
  /** Why imapflow gave up the connection, if it did: a socket timeout is not a lost connection. */
  private lost: { code?: unknown } | null = null;

  constructor(
    private readonly client: ImapFlow,
    private readonly ctx: ErrorContext,
  ) {
    this.capabilities = new Set([...client.capabilities.keys()].map((c) => c.toUpperCase()));
    // The first error is the cause; a timeout among them is what the user must hear of.
    client.on('error', (e: { code?: unknown }) => {
      if (!this.lost || e.code === 'ETIMEOUT') this.lost = e;
    });
  }

  async listFolders(): Promise<FolderInfo[]> {
    const list = await this.call(() => this.client.list());
    // \Noselect (RFC 9051 §7.3.1) and \NonExistent (RFC 5258) folders cannot hold mail.
    return list
      .filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'))
      .map((f) => ({
        path: f.path,
        name: f.name,
        delimiter: f.delimiter || null,
        ...(f.specialUse && { specialUse: f.specialUse }),
      }));
  }

  async folderExists(path: string): Promise<boolean> {
    const folders = await this.listFolders();
    return folders.some((f) => samePath(f.path, path));
  }

  async openFolder(path: string): Promise<FolderStatus> {
    this.assertIdle();
    try {
      const box = await this.client.mailboxOpen(path);
      this.selected = {
        path: box.path,
        uidValidity: box.uidValidity,
        uidNext: box.uidNext,
        exists: box.exists,
      };
      return this.selected;
    } catch (err) {
      // imapflow confirms a NO to SELECT with LIST (mailboxMissing); Dovecot also says [NONEXISTENT] (RFC 5530).
      const e = err as { mailboxMissing?: boolean; serverResponseCode?: string };
      if (e.mailboxMissing || e.serverResponseCode === 'NONEXISTENT') throw folderMissing(path);
      throw this.classify(err);
    }
  }

  async listUids(opts: { deleted?: boolean } = {}): Promise<number[]> {
    // UNDELETED (RFC 9051 §6.4.4): copies a server without UIDPLUS could only flag stay out of the queue.
    const deleted = opts.deleted ?? false;
    const uids = await this.call(() => this.client.search({ deleted }, { uid: true }));
    if (!Array.isArray(uids)) throw this.refused('The mail server refused to list the mails of the folder.');
    return ascending(uids);
  }

  async summarize(uids: number[]): Promise<MessageSummary[]> {
    const out: MessageSummary[] = [];
    for (const batch of chunk(ascending(uids), SUMMARY_BATCH)) {
      for (const set of compressUidSet(batch)) {
        await this.call(async () => {
          for await (const msg of this.client.fetch(set, SUMMARY_QUERY, { uid: true }))
            out.push(summary(msg));
        });
      }
    }
    return out.sort((a, b) => a.uid - b.uid);
  }

  /**
   * The FETCH runs while the caller iterates, so the session takes no other command until the loop ends
   * (imapflow would queue it behind the FETCH, which waits for the loop: a deadlock). Such a call fails.
   */
  async *fetchRaw(uids: number[]): AsyncIterable<{ uid: number; source: Buffer }> {
    this.assertIdle();
    this.fetching = true;
    try {
      // One FETCH for the lot (a second one only past the 16 KB set limit): no round trip per mail.
      for (const set of compressUidSet(uids)) {
        for await (const msg of this.client.fetch(set, { uid: true, source: true }, { uid: true })) {
          if (msg.source) yield { uid: msg.uid, source: msg.source };
        }
      }
    } catch (err) {
      throw this.classify(err);
    } finally {
      this.fetching = false;
    }
  }

  async downloadRaw(uid: number): Promise<Readable> {
    const { content } = await this.call(() =>
      this.client.download(String(uid), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK }),
    );
    if (!content) {
      throw !this.gone()
        ? new RelayError('not_found', `The mail with UID ${uid} is no longer in the folder.`)
        : this.classify(new Error('connection lost'));
    }
    // Errors in the middle of the stream reach the reader as RelayError too.
    const out = new PassThrough();
    content.on('error', (err) => out.destroy(this.classify(err)));
    out.on('close', () => content.destroy());
    return content.pipe(out);
  }

  async move(uids: number[], target: string, steps?: MoveSteps): Promise<MoveResult> {
    if (uids.length === 0) return { sourceCleared: true };
    // A deleted target gives folder_missing before anything changes in the source.
    if (!(await this.folderExists(target))) throw folderMissing(target);
    return this.call(() =>
      moveUids(
        this.client,
        this.capabilities,
        uids,
        target,
        async (message) => {
          if (this.gone()) throw this.refused(message);
          throw (await this.folderExists(target)) ? this.refused(message) : folderMissing(target);
        },
        steps,
      ),
    );
  }

  async removeFromSource(uids: number[]): Promise<MoveResult> {
    if (uids.length === 0) return { sourceCleared: true };
    return this.call(() =>
      removeUids(this.client, this.capabilities, uids, async (message) => {
        throw this.refused(message);
      }),
    );
  }

  async restoreInSource(uids: number[]): Promise<void> {
    for (const set of compressUidSet(uids))
      if (
        !(await this.call(() =>
          this.client.messageFlagsRemove(set, ['\\Deleted'], { uid: true, silent: true }),
        ))
      )
        throw this.refused('The mail server refused to take the \\Deleted flag off mails it still holds.');
  }

  async findCopies(path: string, probes: CopyProbe[]): Promise<(number | null)[]> {
    const back = this.selected;
    if (!back) throw new RelayError('internal', 'findCopies needs an open folder to return to.');
    if (probes.length === 0) return [];
    if (!(await this.folderExists(path))) throw folderMissing(path);
    let found: (number | null)[];
    try {
      found = await this.call(() => findCopiesIn(this.client, path, probes, DOWNLOAD_CHUNK));
    } finally {
      // The source again, also after a failure: no later command may act on the target's UIDs.
      this.selected = null;
      if (!this.gone()) await this.openFolder(back.path);
    }
    const again = this.selected as FolderStatus | null;
    if (!again) throw this.classify(new Error('connection lost'));
    // UIDs of the open folder would mean other mails now (RFC 9051 §2.3.1.1): the run must start over.
    if (again.uidValidity !== back.uidValidity)
      throw new RelayError(
        'protocol',
        `The folder "${back.path}" was renumbered by the mail server during the import.`,
      );
    return found;
  }

  async close(): Promise<void> {
    try {
      await this.client.logout();
    } catch {
      // Already closed, or LOGOUT failed: drop the socket; close() itself is idempotent.
      this.client.close();
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    this.assertIdle();
    try {
      return await fn();
    } catch (err) {
      throw this.classify(err);
    }
  }

  private assertIdle(): void {
    if (this.fetching) {
      throw new RelayError(
        'internal',
        'The IMAP session is still fetching: finish the fetchRaw() loop first.',
      );
    }
  }

  /**
   * imapflow answers many commands with false or an empty result instead of an error, also when the
   * connection just went away (a BYE, a reset): then it is a network failure, not a refusal.
   */
  private refused(message: string): RelayError {
    return !this.gone() ? new RelayError('protocol', message) : this.classify(new Error(message));
  }

  /**
   * The connection is over: closed, or the server said BYE (RFC 9051 §7.1.5), which imapflow
   * records at once but acts on (usable = false) only once the socket closes a moment later.
   */
  private gone(): boolean {
    return !this.client.usable || Boolean((this.client as { byeReason?: string }).byeReason);
  }

  private classify(err: unknown): RelayError {
    if (this.gone() && !(err instanceof RelayError)) {
      // imapflow closes the connection on its socket timeout; the command then fails as "closed".
      const timedOut = (err as { code?: unknown })?.code === 'ETIMEOUT' || this.lost?.code === 'ETIMEOUT';
      return timedOut
        ? new RelayError(
            'timeout',
            `The mail server ${this.ctx.host} stopped answering in the middle of a command.`,
            {
              cause: err,
            },
          )
        : new RelayError('network', `The connection to ${this.ctx.host} was lost.`, { cause: err });
    }
    return classifyImapError(err, { ...this.ctx, connected: true });
  }
}

/** INBOX is case-insensitive (RFC 9051 §5.1), every other name is compared exactly. */
const samePath = (a: string, b: string) =>
  a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');

const ascending = (uids: number[]) => [...new Set(uids)].sort((a, b) => a - b);

function summary(msg: FetchMessageObject): MessageSummary {
  const env = msg.envelope;
  const from = env?.from?.[0];
  const date = env?.date instanceof Date && !Number.isNaN(env.date.getTime()) ? env.date.toISOString() : null;
  return {
    uid: msg.uid,
    size: msg.size ?? 0,
    messageId: env?.messageId ?? null,
    subject: env?.subject ?? null,
    from: from ? formatAddress(from.name, from.address) : null,
    date,
  };
}

function formatAddress(name: string | undefined, address: string | undefined): string | null {
  if (name && address) return `${name} <${address}>`;
  return address || name || null;
}
