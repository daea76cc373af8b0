import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../store/data-dir.js';
import type { StagedMail } from './staging.js';
import type { DeliveryResult, DeliveryTarget, MailMetadata } from './target.js';

const fsyncPath = (path: string) => {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
};

/**
 * The default target: `outbox/<mailbox>/<key>/` with the documents and `message.json`. The folder
 * appears by one rename of a complete staging folder, so a reader never sees half a mail, and a
 * second delivery of the same key replaces the first instead of adding a copy.
 */
export class OutboxTarget implements DeliveryTarget {
  constructor(private readonly root: string) {}

  async deliver(key: string, mail: StagedMail, meta: MailMetadata): Promise<DeliveryResult> {
    const documents = mail.documents.map(({ filename, type, size, sha256 }) => ({ filename, type, size, sha256 }));
    writeFileAtomic(join(mail.dir, 'message.json'), JSON.stringify({ ...meta, documents }, null, 2));
    for (const d of mail.documents) fsyncPath(d.path);
    const parent = join(this.root, meta.mailboxId);
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    const final = join(parent, key);
    if (existsSync(final)) rmSync(final, { recursive: true, force: true });
    renameSync(mail.dir, final);
    fsyncPath(parent);
    return { status: 'accepted' };
  }
}
