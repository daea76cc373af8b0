import { accessSync, constants, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, resolve, sep } from 'node:path';
import { ConfigError } from '../config.js';
import { isRelayError } from '../errors.js';
import { isUsageError } from './usage-error.js';

/** errno codes that say the data directory cannot be created or written by this user. */
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST']);

function relayUser(): string {
  const uid = process.getuid?.();
  try {
    return `${userInfo().username}, uid ${uid}`;
  } catch {
    // A uid without a passwd entry (docker run --user, systemd DynamicUser without nss-systemd).
    return `uid ${uid}`;
  }
}

const inside = (path: string, dir: string) => {
  const [p, d] = [resolve(path), resolve(dir)];
  return p === d || p.startsWith(d + sep) || d.startsWith(p + sep);
};

/**
 * Node's recursive mkdir reports ENOENT when the directory cannot be made for another reason (a
 * read-only file system, no permission); access(2) on the nearest existing parent tells which.
 */
function whyNoMkdir(e: NodeJS.ErrnoException): NodeJS.ErrnoException {
  if (e.code !== 'ENOENT' || e.syscall !== 'mkdir' || typeof e.path !== 'string') return e;
  let dir = dirname(e.path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return e;
  } catch (cause) {
    return cause as NodeJS.ErrnoException;
  }
}

/** The data directory's file system refusing the relay, in words with the next step; else null. */
function dataDirMessage(e: unknown, dataDir: string): string | null {
  const { code, path, syscall } = whyNoMkdir(e as NodeJS.ErrnoException);
  if (!code || !NOT_WRITABLE.has(code) || typeof path !== 'string' || !inside(path, dataDir)) return null;
  const what = `${code}: ${syscall ?? 'open'} ${path}`;
  const owner = `The relay's user (${relayUser()}) must own it`;
  if (code === 'EROFS')
    return `The data directory ${dataDir} is on a read-only file system (${what}). ${owner}, on a writable disk; or set RELAY_DATA_DIR.`;
  if (code === 'ENOTDIR' || code === 'EEXIST')
    return `The data directory ${dataDir} cannot be created: a file is in the way of the directory (${what}). Set RELAY_DATA_DIR to a directory; the relay's user (${relayUser()}) must own it.`;
  return `The data directory ${dataDir} is not writable by the relay (${what}). ${owner}: create it and chown it to that user, or set RELAY_DATA_DIR to a directory that user owns.`;
}

/** Several issues of a bad configuration joined: a start-up failure is one line. */
const oneLine = (text: string) => text.replace(/:\s*\n\s*/, ': ').replace(/\s*\n\s*/g, '; ');

/**
 * Prints why a command failed, in one line without a stack trace (the stack only at
 * RELAY_LOG_LEVEL=debug or trace), and returns the exit code: 2 for a wrong command line, else 1.
 */
export function reportFailure(e: unknown, context: { dataDir?: string; debug?: boolean }): number {
  if (isUsageError(e)) {
    console.error(e.message);
    return 2;
  }
  const known = isRelayError(e) || e instanceof ConfigError;
  const dirMessage = context.dataDir === undefined ? null : dataDirMessage(e, context.dataDir);
  const message = e instanceof Error ? e.message : String(e);
  if (known || dirMessage) console.error(`Error: ${oneLine(dirMessage ?? message)}`);
  else
    console.error(
      `Error: ${oneLine(message)}${context.debug ? '' : ' (run with RELAY_LOG_LEVEL=debug for details)'}`,
    );
  if (context.debug && e instanceof Error) console.error(e.stack);
  return 1;
}
