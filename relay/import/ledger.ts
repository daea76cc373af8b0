import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/data-dir.js';
import type { LedgerRepository, MailboxLedger } from '../store/repository.js';
import type { LedgerEntry } from './ledger-entry.js';

const keyOf = (folder: string, uidValidity: string, uid: number) => `${folder}\0${uidValidity}\0${uid}`;
const matchKey = (messageId: string, rawSha256: string) => `${messageId}\0${rawSha256}`;
const contentOf = (e: LedgerEntry) =>
  e.messageId && e.rawSha256 ? matchKey(e.messageId, e.rawSha256) : undefined;

/** The embedded ledger: a journal file per mailbox in `<data dir>/ledger/`. */
export class JournalLedgers implements LedgerRepository {
  constructor(private readonly dir: string) {}

  async open(mailboxId: string, options: { retentionDays?: number; now?: Date } = {}) {
    return Ledger.open(this.dir, mailboxId, options.retentionDays, options.now);
  }

  async removeMailbox(mailboxId: string) {
    rmSync(join(this.dir, `${mailboxId}.jsonl`), { force: true });
  }

  /** Every mailbox's entries, for `export`. */
  all(): Record<string, LedgerEntry[]> {
    if (!existsSync(this.dir)) return {};
    const out: Record<string, LedgerEntry[]> = {};
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.jsonl'))) {
      const id = file.slice(0, -'.jsonl'.length);
      const ledger = Ledger.open(this.dir, id);
      out[id] = ledger.entries();
      ledger.closeSync();
    }
    return out;
  }

  /** Writes an import's entries (the ledger directory must hold no journal of these mailboxes). */
  load(byMailbox: Record<string, LedgerEntry[]>): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const [id, entries] of Object.entries(byMailbox)) {
      const text = entries.map((e) => JSON.stringify(e)).join('\n');
      writeFileAtomic(join(this.dir, `${id}.jsonl`), text ? `${text}\n` : '');
    }
  }
}

/**
 * One append-only journal per mailbox: an entry per line, the last line for a key wins. Appending
 * costs under 1 ms where rewriting a growing file costs seconds (DESIGN §3 measured facts); the
 * journal is compacted when it is opened, which happens once per run under the run's lock.
 */
export class Ledger implements MailboxLedger {
  private readonly byKey = new Map<string, LedgerEntry>();
  private readonly byContent = new Map<string, LedgerEntry>();
  private fd: number | null = null;

  private constructor(private readonly path: string) {}

  /**
   * Moved mails are kept `retentionDays`: long enough to recognise one still in the source (a server
   * without UIDPLUS keeps flagged copies) or back after a UIDVALIDITY change, short enough that the
   * journal a run reads stays small.
   */
  static open(dir: string, mailboxId: string, retentionDays = 30, now = new Date()): Ledger {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ledger = new Ledger(join(dir, `${mailboxId}.jsonl`));
    ledger.load(now.getTime() - retentionDays * 86_400_000);
    return ledger;
  }

  private load(oldestKept: number) {
    if (!existsSync(this.path)) return;
    let lines = 0;
    const text = readFileSync(this.path, 'utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      lines++;
      try {
        this.index(JSON.parse(line) as LedgerEntry);
      } catch {
        // A torn last line from a crash mid-append: everything before it is intact.
      }
    }
    let pruned = false;
    for (const [k, e] of this.byKey)
      if (e.status === 'moved' && Date.parse(e.at) < oldestKept) pruned = this.byKey.delete(k);
    if (pruned) this.reindexContent();
    // A torn tail must go before the next append, or that append would be glued to it and lost.
    if (lines > this.byKey.size * 2 + 100 || (text !== '' && !text.endsWith('\n'))) this.compact();
  }

  /**
   * The content index answers as the ledger stands: among the current entries (the last line of
   * each key) that decided something, the last written. A retrying entry decided nothing.
   */
  private index(e: LedgerEntry) {
    const key = keyOf(e.folder, e.uidValidity, e.uid);
    const previous = this.byKey.get(key);
    this.byKey.set(key, e);
    const before = previous && contentOf(previous);
    if (before && this.byContent.get(before) === previous) this.byContent.delete(before);
    const content = contentOf(e);
    if (content && e.status !== 'retrying') this.byContent.set(content, e);
    else if (before && !this.byContent.has(before)) this.reindexContent(before);
  }

  /** Rebuilds the content index (of one content): rare, after a holder was pruned or became retrying. */
  private reindexContent(only?: string) {
    if (only === undefined) this.byContent.clear();
    for (const e of this.byKey.values()) {
      const content = contentOf(e);
      if (!content || e.status === 'retrying' || (only !== undefined && content !== only)) continue;
      const held = this.byContent.get(content);
      if (!held || held.at <= e.at) this.byContent.set(content, e);
    }
  }

  private compact() {
    const text = [...this.byKey.values()].map((e) => JSON.stringify(e)).join('\n');
    writeFileAtomic(this.path, text ? `${text}\n` : '');
  }

  get(folder: string, uidValidity: string, uid: number): LedgerEntry | undefined {
    return this.byKey.get(keyOf(folder, uidValidity, uid));
  }

  async lookup(folder: string, uidValidity: string, uids: number[]) {
    const found = new Map<number, LedgerEntry>();
    for (const uid of uids) {
      const e = this.get(folder, uidValidity, uid);
      if (e) found.set(uid, e);
    }
    return found;
  }

  entries(): LedgerEntry[] {
    return [...this.byKey.values()];
  }

  async entriesIn(folder: string, uidValidity: string, ...status: LedgerEntry['status'][]) {
    return [...this.byKey.values()]
      .filter((e) => e.folder === folder && e.uidValidity === uidValidity && status.includes(e.status))
      .sort((a, b) => a.uid - b.uid);
  }

  /** The last line for each of the run's mails. */
  async writtenBy(runId: string) {
    return [...this.byKey.values()].filter((e) => e.runId === runId);
  }

  async findSameMail(messageId: string | null, rawSha256: string) {
    return messageId ? this.byContent.get(matchKey(messageId, rawSha256)) : undefined;
  }

  /**
   * Appends and fsyncs: once this returns, the entries survive a crash (DESIGN §3 step 4). A failed
   * append (a full disk) is cut off again, so no torn line swallows the next one, and nothing of it
   * counts as recorded.
   */
  async record(entries: LedgerEntry[]) {
    if (entries.length === 0) return;
    this.fd ??= openSync(this.path, 'a', 0o600);
    const before = fstatSync(this.fd).size;
    try {
      writeFileSync(this.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      fsyncSync(this.fd);
    } catch (e) {
      ftruncateSync(this.fd, before);
      throw e;
    }
    for (const e of entries) this.index(e);
  }

  async close() {
    this.closeSync();
  }

  closeSync(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
