import { randomUUID } from 'node:crypto';
import {
  Folders,
  type FoldersPatch,
  initialState,
  type MailboxCreate,
  type MailboxState,
  type MailboxUpdate,
} from '../../shared/mailbox.js';
import { PROVIDER_DEFAULTS } from '../../shared/imap-settings.js';
import { RelayError } from '../errors.js';
import type { ConnectTarget } from '../mail/driver.js';
import type { StoredMailbox } from '../store/records.js';
import type { MailboxRepository } from '../store/repository.js';
import type { SecretBox } from '../store/secret-box.js';
import type { Caller } from '../store/repository.js';
import { canManage, canUse } from './access.js';
import { validationError } from '../validation-error.js';
import { checkOAuthHost } from './oauth-hosts.js';
import { checkMailboxRules } from './rules.js';
import { nextRunOf } from './next-run.js';

export type MailboxEvent =
  | { type: 'saved'; mailbox: StoredMailbox }
  | { type: 'deleted'; id: string; mailbox: StoredMailbox }
  /** A run, a token refresh or the scheduler changed the state (status, retrying, error). */
  | { type: 'state'; mailbox: StoredMailbox; previous: MailboxState };

/** A PATCH of some folders keeps the others: a missing `source` must never fall back to INBOX. */
function mergeFolders(current: Folders, patch: FoldersPatch): Folders {
  const parsed = Folders.safeParse({ ...current, ...patch });
  if (!parsed.success)
    throw validationError({
      issues: parsed.error.issues.map((i) => ({ ...i, path: ['folders', ...i.path] })),
    });
  return parsed.data;
}

/** What the log, the metrics and the alerts follow; nextRun and lastRun move on every run. */
const stateChanged = (a: MailboxState, b: MailboxState) =>
  a.status !== b.status ||
  a.error?.kind !== b.error?.kind ||
  a.paused !== b.paused ||
  (a.retrying === null) !== (b.retrying === null);

const notFound = (id: string) => new RelayError('not_found', `No mailbox ${id} that you may see.`);

/** Mailbox configurations as callers see and change them: access rules, secrets sealed, events out. */
export class MailboxService {
  private readonly listeners = new Set<(e: MailboxEvent) => void>();

  constructor(
    private readonly repo: MailboxRepository,
    private readonly box: SecretBox,
    /** RELAY_ALLOW_HOSTS: also hosts an OAuth mailbox may be pointed at. */
    readonly isHostAllowed: (host: string) => boolean = () => false,
    private readonly now: () => Date = () => new Date(),
  ) {}

  onChange(listener: (e: MailboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A mailbox saved by another flow (OAuth connect) reaches the scheduler like any edit. */
  announce(mailbox: StoredMailbox) {
    this.emit({ type: 'saved', mailbox });
  }

  private emit(e: MailboxEvent) {
    for (const l of this.listeners) l(e);
  }

  async list(caller: Caller) {
    return (await this.repo.list()).filter((m) => canUse(caller, m));
  }

  /** 404 rather than 403 for a mailbox the caller may not see: its existence is not theirs to know. */
  async get(caller: Caller, id: string, need: 'use' | 'manage' = 'use'): Promise<StoredMailbox> {
    const m = await this.repo.get(id);
    if (!m || !canUse(caller, m)) throw notFound(id);
    if (need === 'manage' && !canManage(caller, m))
      throw new RelayError('forbidden', 'Only the creator of this mailbox or an admin may change it.');
    return m;
  }

  async create(caller: Caller, input: MailboxCreate): Promise<StoredMailbox> {
    if (input.provider !== 'imap')
      throw new RelayError(
        'validation',
        'provider: Office 365 and Gmail mailboxes are connected by signing in (/api/oauth/:provider/start)',
        { field: 'provider' },
      );
    if (input.imap === undefined)
      throw new RelayError('validation', 'imap is required for an IMAP mailbox', { field: 'imap' });
    const id = randomUUID();
    const at = this.now().toISOString();
    const m: StoredMailbox = {
      id,
      provider: input.provider,
      description: input.description,
      company: input.company,
      access: input.access,
      autoProcessing: input.autoProcessing,
      schedule: input.schedule,
      imap: input.imap ?? PROVIDER_DEFAULTS[input.provider],
      username: input.username,
      sharedMailbox: input.sharedMailbox ?? null,
      folders: input.folders,
      account: null,
      state: initialState(),
      createdBy: caller.user,
      createdAt: at,
      updatedAt: at,
      secrets:
        input.password === undefined ? {} : { password: this.box.seal(input.password, id, 'password') },
    };
    m.state.nextRun = nextRunOf(m, this.now());
    checkMailboxRules(m);
    await this.repo.insert(m);
    this.emit({ type: 'saved', mailbox: m });
    return m;
  }

  async update(caller: Caller, id: string, patch: MailboxUpdate): Promise<StoredMailbox> {
    await this.get(caller, id, 'manage');
    // Applied to the record as stored at the moment of writing, so a run's state or a rotated
    // refresh token saved meanwhile is kept, not overwritten by an older copy.
    const saved = await this.repo.update(id, (current) => this.applyPatch(current, patch));
    if (!saved) throw notFound(id);
    this.emit({ type: 'saved', mailbox: saved });
    return saved;
  }

  private applyPatch(current: StoredMailbox, patch: MailboxUpdate): StoredMailbox {
    if (patch.password !== undefined && current.provider !== 'imap')
      throw new RelayError('validation', 'password can only be set for an IMAP mailbox', {
        field: 'password',
      });
    if (patch.imap) checkOAuthHost(current.provider, patch.imap.host, this.isHostAllowed);
    const { password, folders, ...fields } = patch;
    const next: StoredMailbox = {
      ...current,
      ...fields,
      folders: folders ? mergeFolders(current.folders, folders) : current.folders,
      updatedAt: this.now().toISOString(),
    };
    if (password !== undefined)
      next.secrets = { ...current.secrets, password: this.box.seal(password, current.id, 'password') };
    const credentialsChanged =
      password !== undefined ||
      patch.username !== undefined ||
      patch.imap !== undefined ||
      patch.sharedMailbox !== undefined;
    // An auth failure pauses the schedule until the credentials change (DESIGN §3 step 5: no lockouts).
    if (credentialsChanged && current.state.status === 'auth_failed')
      next.state = { ...next.state, status: 'ok', error: null, paused: false, failedRuns: 0 };
    // Saved with the edit, so every relay of a database schedules by it from this write on (and
    // the answer shows it); an edit of anything else leaves a due run due.
    if (
      next.schedule !== current.schedule ||
      next.autoProcessing !== current.autoProcessing ||
      next.state.paused !== current.state.paused
    )
      next.state = { ...next.state, nextRun: nextRunOf(next, this.now()) };
    checkMailboxRules(next);
    return next;
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const mailbox = await this.get(caller, id, 'manage');
    await this.repo.remove(id);
    this.emit({ type: 'deleted', id, mailbox });
  }

  /** For the relay's own jobs, which act for no caller. */
  async find(id: string) {
    return this.repo.get(id);
  }

  /** Internal updates (run state, tokens) that are no caller's edit. */
  async patchState(id: string, change: (m: StoredMailbox) => StoredMailbox) {
    let previous: MailboxState | undefined;
    const saved = await this.repo.update(id, (m) => {
      previous = m.state;
      return change(m);
    });
    if (saved && previous && stateChanged(previous, saved.state))
      this.emit({ type: 'state', mailbox: saved, previous });
    return saved;
  }

  /** What the driver needs to log in; the password is opened only here and only for that. */
  connectTarget(
    m: StoredMailbox,
    overrides: Partial<{ imap: ConnectTarget['imap']; username: string; password: string }> = {},
  ): ConnectTarget {
    const sealed = m.secrets.password;
    const password =
      overrides.password ?? (sealed === undefined ? undefined : this.box.open(sealed, m.id, 'password'));
    if (password === undefined) throw new RelayError('config', 'This mailbox has no stored password.');
    return {
      imap: overrides.imap ?? m.imap,
      username: overrides.username ?? m.username,
      credentials: { type: 'password', password },
    };
  }
}
