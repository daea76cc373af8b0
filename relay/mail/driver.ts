import type { Readable } from 'node:stream';
import type { ConnectionCheckResult, FolderInfo } from '../../shared/connection-check.js';
import type { ImapSettings } from '../../shared/imap-settings.js';

/** How a driver logs in: a password (plain IMAP) or an OAuth access token (XOAUTH2, RFC 7628 family). */
export type Credentials = { type: 'password'; password: string } | { type: 'oauth2'; accessToken: string };

export interface ConnectTarget {
  imap: ImapSettings;
  /** Passed to the server unchanged, also `user@domain.com\sharedbox`. */
  username: string;
  credentials: Credentials;
}

/** What one FETCH of ENVELOPE and RFC822.SIZE tells about a mail, before any body is downloaded. */
export interface MessageSummary {
  uid: number;
  size: number;
  messageId: string | null;
  subject: string | null;
  from: string | null;
  date: string | null;
}

export interface FolderStatus {
  path: string;
  uidValidity: bigint;
  uidNext: number;
  exists: number;
}

/** A folder's UIDVALIDITY and UIDNEXT at one moment: mails added after it have UIDs of at least uidNext. */
export interface FolderMark {
  path: string;
  uidValidity: string;
  uidNext: number;
}

/**
 * Hooks into a move on a server without MOVE (RFC 6851), where COPY and the removal from the source
 * are separate commands: `beforeCopy` must make the intent durable, so a crash or a lost answer
 * between the two never leads to a second copy (issue 8).
 */
export interface MoveSteps {
  beforeCopy?(target: FolderMark): void | Promise<void>;
  afterCopy?(): void;
  afterStore?(): void;
}

/** What is known of a mail whose copy may already be in a folder. */
export interface CopyProbe {
  messageId: string | null;
  size: number | null;
  rawSha256: string | null;
  /**
   * The target as it was before the COPY. Null when unknown (an entry from before issue 8): then
   * the whole folder is searched and only a mail with the same raw SHA-256 counts.
   */
  since: FolderMark | null;
}

export interface MoveResult {
  /**
   * False when the server has neither MOVE (RFC 6851) nor UIDPLUS (RFC 4315): the mails were copied and
   * flagged \Deleted but stay in the source, because a bare EXPUNGE would also remove other mails.
   */
  sourceCleared: boolean;
}

/**
 * An open session on one mailbox. Callers always `close()` it in `finally`.
 * All failures are RelayError with a kind (auth, tls, network, timeout, protocol, folder_missing …).
 */
export interface MailboxSession {
  readonly capabilities: ReadonlySet<string>;
  listFolders(): Promise<FolderInfo[]>;
  /** Opens `path` read-write; folder_missing when it does not exist. */
  openFolder(path: string): Promise<FolderStatus>;
  /** UIDs of the open folder, ascending: the mails not flagged \Deleted, or with `deleted` only those. */
  listUids(opts?: { deleted?: boolean }): Promise<number[]>;
  /** Envelope and size of these UIDs of the open folder, one FETCH per batch (UID sets as ranges). */
  summarize(uids: number[]): Promise<MessageSummary[]>;
  /** The raw messages (RFC 5322 bytes) of these UIDs in one FETCH; for small mails, in order of arrival. */
  fetchRaw(uids: number[]): AsyncIterable<{ uid: number; source: Buffer }>;
  /** One large raw message as a stream, fetched in big partial chunks so memory stays bounded. */
  downloadRaw(uid: number): Promise<Readable>;
  /** Moves these UIDs of the open folder to `target` in as few commands as possible. */
  move(uids: number[], target: string, steps?: MoveSteps): Promise<MoveResult>;
  /** Flags these UIDs \Deleted and, with UIDPLUS, expunges exactly them (the second half of a move). */
  removeFromSource(uids: number[]): Promise<MoveResult>;
  /** Takes \\Deleted off these UIDs again (a copy that turned out not to exist). */
  restoreInSource(uids: number[]): Promise<void>;
  /**
   * For each probe, the UID in `path` of a mail that is its copy (same Message-ID, size and raw
   * SHA-256, added after `since`), or null; each UID answers one probe only. The folder open
   * before is open again afterwards, also when it throws.
   */
  findCopies(path: string, probes: CopyProbe[]): Promise<(number | null)[]>;
  folderExists(path: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface MailboxDriver {
  /** "Check connection and load folders": each step timed, never throws. */
  check(target: ConnectTarget): Promise<ConnectionCheckResult>;
  open(target: ConnectTarget): Promise<MailboxSession>;
}
