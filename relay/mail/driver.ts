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
  /** UIDs of the open folder, ascending. */
  listUids(): Promise<number[]>;
  /** Envelope and size of these UIDs of the open folder, one FETCH per batch (UID sets as ranges). */
  summarize(uids: number[]): Promise<MessageSummary[]>;
  /** The raw messages (RFC 5322 bytes) of these UIDs in one FETCH; for small mails, in order of arrival. */
  fetchRaw(uids: number[]): AsyncIterable<{ uid: number; source: Buffer }>;
  /** One large raw message as a stream, fetched in big partial chunks so memory stays bounded. */
  downloadRaw(uid: number): Promise<Readable>;
  /** Moves these UIDs of the open folder to `target` in as few commands as possible. */
  move(uids: number[], target: string): Promise<MoveResult>;
  folderExists(path: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface MailboxDriver {
  /** "Check connection and load folders": each step timed, never throws. */
  check(target: ConnectTarget): Promise<ConnectionCheckResult>;
  open(target: ConnectTarget): Promise<MailboxSession>;
}
