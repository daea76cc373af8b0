import type { Backoff, BackoffRepository } from './repository.js';

/** The embedded store's backoff: one process schedules, and a restart may try a failing mailbox again. */
export class MemoryBackoff implements BackoffRepository {
  private readonly failures = new Map<string, Backoff>();

  async get(mailboxId: string) {
    const b = this.failures.get(mailboxId);
    return b && { ...b };
  }

  async set(mailboxId: string, backoff: Backoff) {
    this.failures.set(mailboxId, { ...backoff });
  }

  async clear(mailboxId: string) {
    this.failures.delete(mailboxId);
  }
}
