import type { Config } from '../config.js';
import { ensureDataDir } from '../store/data-dir.js';
import { openStores } from '../store/open-stores.js';
import type { TokenRepository } from '../store/repository.js';
import { TokenStore } from '../store/token-store.js';
import { parseVerbArgs } from './args.js';
import { TOKEN_USAGE } from './usage.js';
import { UsageError } from './usage-error.js';
import type { Verb } from './verb.js';

/**
 * The tokens of the configured store: tokens.json (beside a running relay, which re-reads it) or
 * PostgreSQL, where every relay asks the database on each request.
 */
async function withTokens<T>(config: Config, use: (tokens: TokenRepository) => Promise<T>): Promise<T> {
  if (!config.databaseUrl) {
    ensureDataDir(config.dataDir);
    return use(new TokenStore(config.dataDir));
  }
  const stores = await openStores(config);
  try {
    return await use(stores.tokens);
  } finally {
    await stores.close();
  }
}

function create(args: string[]) {
  const { values } = parseVerbArgs('token create', args, {
    user: { type: 'string' },
    roles: { type: 'string' },
  });
  const user = values.user?.trim();
  if (!user) throw new UsageError('Missing --user NAME for "token create". See --help.');
  const roles = (values.roles ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return async (config: Config) => {
    const { id, token } = await withTokens(config, (t) => t.create(user, roles));
    console.error(
      `Token ${id} for ${user}${roles.length ? ` (roles: ${roles.join(', ')})` : ''}. It is shown once; store it now:`,
    );
    console.log(token);
    return 0;
  };
}

function list(args: string[]) {
  const { values } = parseVerbArgs('token list', args, { json: { type: 'boolean' } });
  return async (config: Config) => {
    const tokens = await withTokens(config, (t) => t.list());
    if (values.json) {
      // Named fields only: whatever the store keeps beside them (the hash) never leaves it.
      const out = tokens.map(({ id, user, roles, createdAt, revokedAt }) => ({
        id,
        user,
        roles,
        createdAt,
        revokedAt,
      }));
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    for (const t of tokens)
      console.log(
        `${t.id}  ${t.user}  [${t.roles.join(', ')}]  created ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}`,
      );
    return 0;
  };
}

function revoke(args: string[]) {
  const { positionals } = parseVerbArgs('token revoke', args, {}, 1);
  const id = positionals[0];
  if (!id) throw new UsageError('Missing the token ID for "token revoke". See --help.');
  return async (config: Config) => {
    await withTokens(config, (t) => t.revoke(id));
    console.log(`Token ${id} revoked.`);
    return 0;
  };
}

const SUBS: ReadonlyMap<string, (args: string[]) => (config: Config) => Promise<number>> = new Map([
  ['create', create],
  ['list', list],
  ['revoke', revoke],
]);

/** `token create|list|revoke`: works beside a running relay, which re-reads tokens.json on change. */
export const tokenVerb: Verb = {
  usage: TOKEN_USAGE,
  prepare([sub, ...rest]) {
    if (sub === undefined)
      throw new UsageError('Missing what "token" should do: create, list or revoke. See --help.');
    const run = SUBS.get(sub);
    if (!run) throw new UsageError(`Unknown token command "${sub}" (create, list or revoke). See --help.`);
    return run(rest);
  },
};
