import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RelayError } from '../errors.js';
import { writeFileAtomic } from './data-dir.js';

/** Accepts 32 bytes as 64 hex digits or base64 (RELAY_SECRET_KEY, key files). */
export function parseKey(text: string, source: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32)
    throw new RelayError('config', `${source} must hold a 32-byte key (64 hex digits or base64).`);
  return key;
}

export const DEFAULT_KEY_FILE = 'secret.key';
/** The key before the last rotate-key: kept so values sealed with it still open after a crash mid-rotation. */
export const PREVIOUS_KEY_FILE = 'secret.key.previous';

export function keyFilePath(opts: { secretKeyFile?: string; dataDir: string }) {
  return opts.secretKeyFile ?? join(opts.dataDir, DEFAULT_KEY_FILE);
}

export function loadPreviousKey(opts: { secretKeyFile?: string; dataDir: string }): Buffer[] {
  const path = `${keyFilePath(opts)}.previous`;
  return existsSync(path) ? [parseKey(readFileSync(path, 'utf8'), path)] : [];
}

/** The key from the environment, a named key file, or one generated in the data dir on first start. */
export function loadSecretKey(opts: { secretKey?: string; secretKeyFile?: string; dataDir: string }): Buffer {
  if (opts.secretKey) return parseKey(opts.secretKey, 'RELAY_SECRET_KEY');
  if (opts.secretKeyFile) return parseKey(readFileSync(opts.secretKeyFile, 'utf8'), opts.secretKeyFile);
  const path = join(opts.dataDir, DEFAULT_KEY_FILE);
  if (!existsSync(path)) writeFileAtomic(path, `${randomBytes(32).toString('base64')}\n`, 0o600);
  if ((statSync(path).mode & 0o077) !== 0)
    throw new RelayError('config', `${path} must be readable only by its owner (chmod 600).`);
  return parseKey(readFileSync(path, 'utf8'), path);
}
