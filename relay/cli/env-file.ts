import { existsSync } from 'node:fs';

/**
 * DESIGN §6: a `.env` in the working directory is read when present, with Node's own parser (as
 * `node --env-file`). A variable already in the environment wins (Node's rule, nodejs/node#49424),
 * so a unit's Environment= or `docker run -e` is never overridden by a file left in the directory.
 */
export function loadDotEnv(path: string): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
