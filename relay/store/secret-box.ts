import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { RelayError } from '../errors.js';

/** A sealed secret: `v1.<key id>.<base64(iv | tag | ciphertext)>`. */
export type Sealed = string;

const VERSION = 'v1';

/** The first 8 hex digits of the key's SHA-256: tells which key sealed a value, reveals nothing of it. */
export const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/**
 * AES-256-GCM with the record id and field name as associated data, so a sealed value copied into
 * another record or field fails to open instead of leaking there (NIST SP 800-38D, §5.2.1.1 AAD).
 */
export class SecretBox {
  readonly id: string;
  private readonly key: Buffer;
  private readonly byId: Map<string, Buffer>;

  /** Seals with the first key; opens with whichever key sealed the value (rotate-key keeps the old one). */
  constructor(key: Buffer, ...older: Buffer[]) {
    for (const k of [key, ...older])
      if (k.length !== 32) throw new RelayError('config', 'The secret key must be 32 bytes.');
    this.key = key;
    this.id = keyId(key);
    this.byId = new Map([...older, key].map((k) => [keyId(k), k]));
  }

  /** Whether a sealed value was sealed with the current key. */
  isCurrent(sealed: Sealed): boolean {
    return sealed.split('.')[1] === this.id;
  }

  seal(plain: string, recordId: string, field: string): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${recordId}\0${field}`));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${this.id}.${Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64')}`;
  }

  open(sealed: Sealed, recordId: string, field: string): string {
    const [version, kid, body] = sealed.split('.');
    if (version !== VERSION || body === undefined)
      throw new RelayError('internal', `A stored secret (${field}) has an unknown format.`);
    const key = kid === undefined ? undefined : this.byId.get(kid);
    if (key === undefined)
      throw new RelayError('config', `A stored secret (${field}) was sealed with another key (${kid}).`);
    const raw = Buffer.from(body, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`${recordId}\0${field}`));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new RelayError('internal', `A stored secret (${field}) failed its integrity check.`, { cause });
    }
  }
}
