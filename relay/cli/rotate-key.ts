import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { openRelay } from '../boot.js';
import { RelayError, isRelayError } from '../errors.js';
import { writeFileAtomic } from '../store/data-dir.js';
import { SecretBox } from '../store/secret-box.js';
import { keyFilePath } from '../store/secret-key.js';
import { parseVerbArgs } from './args.js';
import { ROTATE_KEY_USAGE } from './usage.js';
import type { Verb } from './verb.js';

/**
 * The data-dir lock keeps rotate-key from running beside `serve`: a running relay holds the old key
 * and would seal new secrets with it after the rotation, and write db.json over the re-sealed one.
 */
async function openAlone(config: Config) {
  try {
    return await openRelay(config);
  } catch (e) {
    if (!isRelayError(e) || e.kind !== 'conflict') throw e;
    const pid = /\(pid (\w+)\)/.exec(e.message)?.[1] ?? 'unknown';
    throw new RelayError(
      'conflict',
      `rotate-key needs the relay stopped: a relay (pid ${pid}) is using the data directory ${config.dataDir}. Stop it, run rotate-key, then start it again.`,
      { cause: e },
    );
  }
}

/**
 * `rotate-key`: a new key, every secret re-sealed with it. The old key is kept as
 * `<key file>.previous` first, so a crash at any point leaves every value openable.
 */
async function rotateKey(config: Config): Promise<number> {
  if (config.secretKey) {
    console.error(
      'The key comes from RELAY_SECRET_KEY: rotate it where that variable is set (use a key file to let the relay rotate it).',
    );
    return 2;
  }
  const relay = await openAlone(config);
  try {
    const path = keyFilePath(config);
    if (!existsSync(path)) throw new RelayError('config', `${path} is missing.`);
    const fresh = randomBytes(32);
    const oldBox = relay.box;
    const newBox = new SecretBox(fresh);
    copyFileSync(path, `${path}.previous`);
    writeFileAtomic(path, `${fresh.toString('base64')}\n`, 0o600);
    let count = 0;
    for (const m of await relay.store.list()) {
      const secrets = { ...m.secrets };
      for (const field of ['password', 'oauth'] as const) {
        const sealed = secrets[field];
        if (sealed === undefined || newBox.isCurrent(sealed)) continue;
        secrets[field] = newBox.seal(oldBox.open(sealed, m.id, field), m.id, field);
        count++;
      }
      await relay.store.update(m.id, (x) => ({ ...x, secrets }));
    }
    console.log(
      `Re-sealed ${count} secrets with key ${newBox.id}; the previous key is in ${path}.previous until the next rotation.`,
    );
    return 0;
  } finally {
    relay.release();
  }
}

export const rotateKeyVerb: Verb = {
  usage: ROTATE_KEY_USAGE,
  prepare(args) {
    parseVerbArgs('rotate-key', args, {});
    return rotateKey;
  },
};
