import { join } from 'node:path';
import { Low } from 'lowdb';
import { DbData, emptyDb, type StoredConsent, type StoredMailbox } from './records.js';
import type { ConsentRepository, MailboxRepository } from './repository.js';
import { ValidatedJsonFile } from './json-file.js';
import { RelayError } from '../errors.js';

const clone = <T>(v: T): T => structuredClone(v);

/** Configurations in one lowdb file (`db.json`): small, rarely written, read from memory. */
export class LowStore implements MailboxRepository, ConsentRepository {
  private constructor(private readonly db: Low<DbData>) {}

  static async open(dataDir: string): Promise<LowStore> {
    const db = new Low<DbData>(new ValidatedJsonFile(join(dataDir, 'db.json'), DbData), emptyDb());
    await db.read();
    await db.write();
    return new LowStore(db);
  }

  async list() {
    return clone(this.db.data.mailboxes);
  }

  async get(id: string) {
    const found = this.db.data.mailboxes.find((m) => m.id === id);
    return found && clone(found);
  }

  async insert(mailbox: StoredMailbox) {
    this.db.data.mailboxes.push(clone(mailbox));
    await this.db.write();
  }

  async update(id: string, change: (current: StoredMailbox) => StoredMailbox) {
    const list = this.db.data.mailboxes;
    const i = list.findIndex((m) => m.id === id);
    const current = list[i];
    if (current === undefined) return undefined;
    const next = change(clone(current));
    list[i] = clone(next);
    await this.db.write();
    return next;
  }

  async remove(id: string) {
    const before = this.db.data.mailboxes.length;
    this.db.data.mailboxes = this.db.data.mailboxes.filter((m) => m.id !== id);
    if (this.db.data.mailboxes.length === before) return false;
    await this.db.write();
    return true;
  }

  async listConsents() {
    return clone(this.db.data.consents);
  }

  /** An import's configurations, refused (conflict) when db.json holds any mailbox. */
  async loadAll(mailboxes: StoredMailbox[], consents: StoredConsent[]) {
    if (this.db.data.mailboxes.length > 0)
      throw new RelayError('conflict', 'db.json already holds mailboxes; import into an empty store.');
    this.db.data.mailboxes = clone(mailboxes);
    this.db.data.consents = clone(consents);
    await this.db.write();
  }

  async recordConsent(consent: StoredConsent) {
    this.db.data.consents = [...this.db.data.consents.filter((c) => c.tenant !== consent.tenant), consent];
    await this.db.write();
  }
}
