import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { NotImportedReason } from '../../shared/run.js';
import { writeFileAtomic } from '../store/data-dir.js';

/**
 * What the relay knows of one mail, keyed (folder, uidValidity, uid) as RFC 9051 §2.3.1.1 makes
 * that triple unique for the life of a mailbox; Message-ID and hashes re-match a mail whose UID
 * changed with UIDVALIDITY.
 */
export interface LedgerEntry {
  folder: string;
  uidValidity: string;
  uid: number;
  messageId: string | null;
  rawSha256: string | null;
  documents: string[];
  /**
   * decided: outcome stored, move pending. copying: on a server without MOVE, a UID COPY to
   * `target` was (maybe) sent and the source copy not yet removed. moved: done. retrying: transient
   * failure, stays in the source.
   */
  status: 'decided' | 'copying' | 'moved' | 'retrying';
  outcome: 'imported' | 'not_imported' | null;
  reason: NotImportedReason | null;
  attempts: number;
  nextAttemptAt: string | null;
  at: string;
  /** RFC822.SIZE, to find this mail's copy in a target folder (absent in entries before issue 8). */
  size?: number;
  /** The run that wrote this line: an interrupted run's counts are read back from it. */
  runId?: string;
  /**
   * With `copying`: the target and its UIDVALIDITY and UIDNEXT just before the COPY, so a copy made
   * by it has a UID of at least `uidNext` (RFC 9051 §2.3.1.1) and older twins are not mistaken for it.
   */
  target?: CopyTarget;
}

export interface CopyTarget {
  path: string;
  uidValidity: string;
  uidNext: number;
}

const keyOf = (folder: string, uidValidity: string, uid: number) => `${folder}\0${uidValidity}\0${uid}`;
const matchKey = (messageId: string, rawSha256: string) => `${messageId}\0${rawSha256}`;

/**
 * One append-only journal per mailbox: an entry per line, the last line for a key wins. Appending
 * costs under 1 ms where rewriting a growing file costs seconds (DESIGN §3 measured facts); the
 * journal is compacted when it is opened, which happens once per run under the run's lock.
 */
export class Ledger {
  private readonly entries = new Map<string, LedgerEntry>();
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
    for (const [k, e] of this.entries)
      if (e.status === 'moved' && Date.parse(e.at) < oldestKept) this.entries.delete(k);
    // A torn tail must go before the next append, or that append would be glued to it and lost.
    if (lines > this.entries.size * 2 + 100 || (text !== '' && !text.endsWith('\n'))) this.compact();
  }

  private index(e: LedgerEntry) {
    this.entries.set(keyOf(e.folder, e.uidValidity, e.uid), e);
    if (e.messageId && e.rawSha256 && e.status !== 'retrying')
      this.byContent.set(matchKey(e.messageId, e.rawSha256), e);
  }

  private compact() {
    const text = [...this.entries.values()].map((e) => JSON.stringify(e)).join('\n');
    writeFileAtomic(this.path, text ? `${text}\n` : '');
  }

  get(folder: string, uidValidity: string, uid: number): LedgerEntry | undefined {
    return this.entries.get(keyOf(folder, uidValidity, uid));
  }

  /** Entries of one folder generation in these states, oldest UID first. */
  entriesIn(folder: string, uidValidity: string, ...status: LedgerEntry['status'][]): LedgerEntry[] {
    return [...this.entries.values()]
      .filter((e) => e.folder === folder && e.uidValidity === uidValidity && status.includes(e.status))
      .sort((a, b) => a.uid - b.uid);
  }

  /** Every line a run wrote, as it stands now (the last line for each of its mails). */
  writtenBy(runId: string): LedgerEntry[] {
    return [...this.entries.values()].filter((e) => e.runId === runId);
  }

  /** A mail already decided under another UID (UIDVALIDITY changed, or the same mail twice). */
  findSameMail(messageId: string | null, rawSha256: string): LedgerEntry | undefined {
    return messageId ? this.byContent.get(matchKey(messageId, rawSha256)) : undefined;
  }

  /**
   * Appends and fsyncs: once this returns, the entries survive a crash (DESIGN §3 step 4). A failed
   * append (a full disk) is cut off again, so no torn line swallows the next one, and nothing of it
   * counts as recorded.
   */
  record(entries: LedgerEntry[]): void {
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

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
