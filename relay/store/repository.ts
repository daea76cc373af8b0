import type { Alert } from '../../shared/alert.js';
import type { ImportRun, ImportRunSummary } from '../../shared/run.js';
import type { LedgerEntry } from '../import/ledger-entry.js';
import type { PendingFlow } from '../oauth/pending-flow.js';
import type { StoreDump } from './dump.js';
import type { StoredConsent, StoredMailbox, StoredToken } from './records.js';

/**
 * The stores behind routes, the pipeline and the jobs (DESIGN §5): every one an interface with two
 * adapters, the embedded one (lowdb and the data directory's journals; open-embedded.ts) and
 * PostgreSQL (`relay/store/postgres/`). `RELAY_DATABASE_URL` chooses; nothing else knows which.
 * Both adapters pass the same contract tests (test/integration/store/).
 */
export interface MailboxRepository {
  list(): Promise<StoredMailbox[]>;
  get(id: string): Promise<StoredMailbox | undefined>;
  insert(mailbox: StoredMailbox): Promise<void>;
  /**
   * Applies `change` to the current record and stores the result, atomically: no other change of
   * this mailbox (from this relay or another) happens in between. Undefined when it is gone.
   */
  update(id: string, change: (current: StoredMailbox) => StoredMailbox): Promise<StoredMailbox | undefined>;
  remove(id: string): Promise<boolean>;
}

export interface ConsentRepository {
  listConsents(): Promise<StoredConsent[]>;
  recordConsent(consent: StoredConsent): Promise<void>;
}

/** Who holds an API token; the token itself is never stored (only its SHA-256). */
export interface Caller {
  user: string;
  roles: string[];
  tokenId: string;
}

export interface TokenRepository {
  /** The caller a token belongs to, or null when it is unknown or revoked (at once, on every relay). */
  verify(token: string): Promise<Caller | null>;
  list(): Promise<Omit<StoredToken, 'hash'>[]>;
  /** Returns the token itself: the only time it exists outside the caller's hands. */
  create(user: string, roles: string[]): Promise<{ id: string; token: string }>;
  /** By id or an unambiguous prefix of it; not_found / conflict otherwise. */
  revoke(id: string): Promise<void>;
}

/** OAuth `state` values between start and complete (RFC 6749 §10.12): random, single use, expiring. */
export interface PendingFlowRepository {
  create(flow: Omit<PendingFlow, 'expiresAt'>): Promise<string>;
  /** Takes the flow once: a second take of the same state, from any relay, finds nothing. */
  take(state: string, tokenId: string, kind: PendingFlow['kind']): Promise<PendingFlow>;
}

/** A mailbox whose scheduled runs keep failing waits before its next scheduled try. */
export interface Backoff {
  count: number;
  until: number;
}

export interface BackoffRepository {
  get(mailboxId: string): Promise<Backoff | undefined>;
  set(mailboxId: string, backoff: Backoff): Promise<void>;
  clear(mailboxId: string): Promise<void>;
}

/**
 * One mailbox's ledger for one run, opened under the mailbox's run lock (`MailboxLocks`): nobody else
 * writes it meanwhile. `record` is durable when it resolves (DESIGN §3 step 4).
 */
export interface MailboxLedger {
  /** The entries of these UIDs of one folder generation. */
  lookup(folder: string, uidValidity: string, uids: number[]): Promise<Map<number, LedgerEntry>>;
  /** Entries of one folder generation in these states, oldest UID first. */
  entriesIn(folder: string, uidValidity: string, ...status: LedgerEntry['status'][]): Promise<LedgerEntry[]>;
  /** Every entry a run wrote, as it stands now. */
  writtenBy(runId: string): Promise<LedgerEntry[]>;
  /** A mail already decided under another UID (UIDVALIDITY changed, or the same mail twice). */
  findSameMail(messageId: string | null, rawSha256: string): Promise<LedgerEntry | undefined>;
  record(entries: LedgerEntry[]): Promise<void>;
  close(): Promise<void>;
}

export interface LedgerRepository {
  /**
   * Moved mails are kept `retentionDays`: long enough to recognise one still in the source (a
   * server without UIDPLUS keeps flagged copies) or back after a UIDVALIDITY change.
   */
  open(mailboxId: string, options?: { retentionDays?: number; now?: Date }): Promise<MailboxLedger>;
  removeMailbox(mailboxId: string): Promise<void>;
}

/** Run history: the newest 50 runs per mailbox, each with its per-mail outcomes. */
export interface RunRepository {
  /** Stores the run as it is now (at its start and at its end, never per mail). */
  save(run: ImportRun): Promise<void>;
  get(runId: string): Promise<ImportRun | undefined>;
  /** Newest first, without the per-mail outcomes. */
  list(mailboxId: string): Promise<ImportRunSummary[]>;
  /** Runs stored as `running`: the caller asks `MailboxLocks` whether anybody still runs them. */
  leftRunning(): Promise<ImportRun[]>;
  removeMailbox(mailboxId: string): Promise<void>;
}

export interface AlertRepository {
  all(): Promise<Alert[]>;
  save(alert: Alert): Promise<void>;
}

/**
 * "One run per mailbox at a time" across every relay of a store (DESIGN §3 step 5, §5). Embedded:
 * this process (the data directory is locked to it). PostgreSQL: a session-level advisory lock on a
 * connection of its own, which dies with the connection, so a relay killed mid-run frees its
 * mailboxes at once.
 */
export interface MailboxLocks {
  /** The lock, or null while the mailbox is held anywhere. */
  tryLock(mailboxId: string): Promise<HeldLock | null>;
}

export interface HeldLock {
  /** True once the lock can no longer be trusted (its connection broke): the run must stop. */
  readonly lost: boolean;
  release(): Promise<void>;
}

/** Where things are kept, as health details say it (never a password). */
export type StoreInfo = { kind: 'lowdb'; dataDir: string } | { kind: 'postgres'; database: string };

/** Everything the relay stores, as one store opens it. */
export interface Stores {
  kind: 'lowdb' | 'postgres';
  mailboxes: MailboxRepository;
  consents: ConsentRepository;
  tokens: TokenRepository;
  flows: PendingFlowRepository;
  backoff: BackoffRepository;
  ledger: LedgerRepository;
  runs: RunRepository;
  alerts: AlertRepository;
  locks: MailboxLocks;
  /** Everything, for `export` (secrets stay sealed, tokens are hashes). */
  dump(): Promise<StoreDump>;
  /** Loads an export; refuses (conflict) unless this store holds no mailboxes and no tokens. */
  load(dump: StoreDump): Promise<void>;
  close(): Promise<void>;
}
