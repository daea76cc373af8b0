import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RelayError } from '../errors.js';
import { acquireLock } from './data-dir-lock.js';
import { ValidatedJsonFile } from './json-file.js';
import { type StoredToken, TokenData } from './records.js';
import type { Caller, TokenRepository } from './repository.js';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export type { Caller } from './repository.js';

/**
 * API tokens live in their own file (`tokens.json`): the CLI writes it while a relay is running, and
 * the relay re-reads it when it changes, so `token create` and `token revoke` work without a restart.
 */
export class TokenStore implements TokenRepository {
  private readonly file: ValidatedJsonFile<TokenData>;
  private cache: { mtimeMs: number; size: number; data: TokenData } | null = null;
  private changes: Promise<void> = Promise.resolve();

  constructor(private readonly dataDir: string) {
    this.file = new ValidatedJsonFile(join(dataDir, 'tokens.json'), TokenData);
  }

  private get path() {
    return join(this.dataDir, 'tokens.json');
  }

  async load(): Promise<TokenData> {
    if (!existsSync(this.path)) return { version: 1, tokens: [] };
    const { mtimeMs, size } = statSync(this.path);
    if (this.cache && this.cache.mtimeMs === mtimeMs && this.cache.size === size) return this.cache.data;
    const data = (await this.file.read()) ?? { version: 1 as const, tokens: [] };
    this.cache = { mtimeMs, size, data };
    return data;
  }

  async verify(token: string): Promise<Caller | null> {
    const hash = hashToken(token);
    const found = (await this.load()).tokens.find((t) => t.hash === hash && t.revokedAt === null);
    return found ? { user: found.user, roles: found.roles, tokenId: found.id } : null;
  }

  async list(): Promise<Omit<StoredToken, 'hash'>[]> {
    return (await this.load()).tokens.map(({ hash: _hash, ...rest }) => rest);
  }

  /** Returns the token itself: the only time it exists outside the caller's hands. */
  async create(user: string, roles: string[]): Promise<{ id: string; token: string }> {
    const token = `mc_${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    await this.change((d) => {
      d.tokens.push({
        id,
        user,
        roles,
        hash: hashToken(token),
        createdAt: new Date().toISOString(),
        revokedAt: null,
      });
    });
    return { id, token };
  }

  async revoke(id: string): Promise<void> {
    await this.change((d) => {
      const matches = d.tokens.filter((x) => x.id === id || x.id.startsWith(id));
      const t = matches.find((x) => x.id === id) ?? (matches.length === 1 ? matches[0] : undefined);
      if (matches.length > 1 && !t)
        throw new RelayError('conflict', `${id} matches ${matches.length} tokens; give more of the id.`);
      if (!t) throw new RelayError('not_found', `No token with id ${id}.`);
      t.revokedAt ??= new Date().toISOString();
    });
  }

  /** Every token with its hash, for `export`. */
  async all(): Promise<StoredToken[]> {
    return structuredClone((await this.load()).tokens);
  }

  /** An import's tokens, refused (conflict) when this file holds any. */
  async loadAll(tokens: StoredToken[]): Promise<void> {
    await this.change((d) => {
      if (d.tokens.length > 0)
        throw new RelayError('conflict', 'tokens.json already holds API tokens; import into an empty store.');
      d.tokens.push(...structuredClone(tokens));
    });
  }

  /** Changes one at a time: in this process by a queue, across processes (CLI beside serve) by the lock file. */
  private change(mutate: (data: TokenData) => void): Promise<void> {
    const next = this.changes.then(async () => {
      const release = acquireLock(this.dataDir, 'tokens.lock');
      try {
        this.cache = null;
        const data = structuredClone(await this.load());
        mutate(data);
        await this.file.write(data);
        this.cache = null;
      } finally {
        release();
      }
    });
    this.changes = next.catch(() => {});
    return next;
  }
}
