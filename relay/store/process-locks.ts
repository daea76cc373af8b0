import type { HeldLock, MailboxLocks } from './repository.js';

/**
 * The embedded store's run locks: the data directory is locked to one relay process
 * (data-dir-lock.ts), so "held anywhere" is "held in this process".
 */
export class ProcessLocks implements MailboxLocks {
  private readonly held = new Set<string>();

  async tryLock(mailboxId: string): Promise<HeldLock | null> {
    if (this.held.has(mailboxId)) return null;
    this.held.add(mailboxId);
    let released = false;
    return {
      lost: false,
      release: async () => {
        if (released) return;
        released = true;
        this.held.delete(mailboxId);
      },
    };
  }
}
