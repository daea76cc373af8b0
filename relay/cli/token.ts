import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { ensureDataDir } from '../store/data-dir.js';
import { TokenStore } from '../store/token-store.js';

const USAGE = `Usage:
  npm run relay -- token create --user NAME [--roles A,B]
  npm run relay -- token list
  npm run relay -- token revoke ID`;

/** `token create|list|revoke`: works beside a running relay, which re-reads tokens.json on change. */
export async function tokenCommand(config: Config, args: string[]): Promise<number> {
  ensureDataDir(config.dataDir);
  const tokens = new TokenStore(config.dataDir);
  const [sub, ...rest] = args;
  if (sub === 'create') {
    const { values } = parseArgs({
      args: rest,
      options: { user: { type: 'string' }, roles: { type: 'string' } },
    });
    if (!values.user?.trim()) {
      console.error(`--user is required.\n${USAGE}`);
      return 2;
    }
    const roles = (values.roles ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    const { id, token } = await tokens.create(values.user.trim(), roles);
    console.error(
      `Token ${id} for ${values.user.trim()}${roles.length ? ` (roles: ${roles.join(', ')})` : ''}. It is shown once; store it now:`,
    );
    console.log(token);
    return 0;
  }
  if (sub === 'list') {
    for (const t of await tokens.list())
      console.log(
        `${t.id}  ${t.user}  [${t.roles.join(', ')}]  created ${t.createdAt}${t.revokedAt ? `  revoked ${t.revokedAt}` : ''}`,
      );
    return 0;
  }
  if (sub === 'revoke' && rest[0]) {
    await tokens.revoke(rest[0]);
    console.log(`Token ${rest[0]} revoked.`);
    return 0;
  }
  console.error(USAGE);
  return 2;
}
