import { join } from 'node:path';
import { RelayError, isRelayError } from '../errors.js';
import type { MailboxRepository } from './repository.js';
import type { SecretBox } from './secret-box.js';
import { DEFAULT_KEY_FILE } from './secret-key.js';

/** Where the key came from, as the administrator would set it (the order of loadSecretKey). */
export function keySource(opts: { secretKey?: string; secretKeyFile?: string; dataDir: string }): string {
  if (opts.secretKey) return 'RELAY_SECRET_KEY';
  if (opts.secretKeyFile) return `RELAY_SECRET_KEY_FILE=${opts.secretKeyFile}`;
  return join(opts.dataDir, DEFAULT_KEY_FILE);
}

/**
 * Refuses a key that opens none of the stored secrets (issue 9): such a relay would start and then
 * answer 500 on every mailbox. One value that opens is enough: the box also holds the key before
 * the last rotate-key, so a rotation cut short still starts. Mailbox records hold every sealed
 * value; consents store none. A damaged value (integrity failure) is no sign of a wrong key.
 */
export async function checkKeyOpensSecrets(
  box: SecretBox,
  store: Pick<MailboxRepository, 'list'>,
  opts: { secretKey?: string; secretKeyFile?: string; dataDir: string },
): Promise<void> {
  const otherKeys = new Set<string>();
  let sealedCount = 0;
  for (const m of await store.list())
    for (const field of ['password', 'oauth'] as const) {
      const sealed = m.secrets[field];
      if (sealed === undefined) continue;
      sealedCount++;
      try {
        box.open(sealed, m.id, field);
        return;
      } catch (e) {
        if (isRelayError(e) && e.kind === 'config') otherKeys.add(sealed.split('.')[1] ?? '?');
      }
    }
  if (otherKeys.size === 0) return;
  const count = `${sealedCount} secret${sealedCount === 1 ? '' : 's'}`;
  throw new RelayError(
    'config',
    `The secret key from ${keySource(opts)} (id ${box.id}) does not open the secrets stored in ` +
      `${join(opts.dataDir, 'db.json')} (${count}, sealed with another key: id ${[...otherKeys].join(', ')}). ` +
      `Set the key they were sealed with (RELAY_SECRET_KEY or RELAY_SECRET_KEY_FILE), or restore secret.key ` +
      `from your backup of the data directory; rotate-key cannot help, it needs the old key.`,
    { adminFault: true },
  );
}
