import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { isRelayError, RelayError } from '../errors.js';
import { ensureDataDir, writeFileAtomic } from '../store/data-dir.js';
import { acquireLock } from '../store/data-dir-lock.js';
import { dumpCounts, StoreDump } from '../store/dump.js';
import { checkKeyOpensSecrets } from '../store/key-check.js';
import { openStores, type OpenedStores } from '../store/open-stores.js';
import { SecretBox } from '../store/secret-box.js';
import { loadPreviousKey, loadSecretKey } from '../store/secret-key.js';
import { parseVerbArgs } from './args.js';
import { EXPORT_USAGE, IMPORT_DATA_USAGE } from './usage.js';
import { UsageError } from './usage-error.js';
import type { Verb } from './verb.js';

/**
 * The configured store, for a move. The embedded one is locked like `serve` locks it: an import
 * into it, or an export from it, must not race a running relay's writes.
 */
async function withStore<T>(config: Config, verb: string, use: (s: OpenedStores) => Promise<T>): Promise<T> {
  let unlock = () => {};
  if (!config.databaseUrl) {
    ensureDataDir(config.dataDir);
    try {
      unlock = acquireLock(config.dataDir);
    } catch (e) {
      if (!isRelayError(e) || e.kind !== 'conflict') throw e;
      throw new RelayError(
        'conflict',
        `${verb} needs the relay stopped: another process uses the data directory ${config.dataDir}.`,
        { cause: e },
      );
    }
  }
  try {
    const stores = await openStores(config);
    try {
      return await use(stores);
    } finally {
      await stores.close();
    }
  } finally {
    unlock();
  }
}

const where = (s: OpenedStores) =>
  s.info.kind === 'lowdb' ? `the data directory ${s.info.dataDir}` : `PostgreSQL ${s.info.database}`;

/** `export --out FILE`: everything the store holds, secrets still sealed, into one file (0600). */
async function exportData(config: Config, out: string): Promise<number> {
  const dump = await withStore(config, 'export', (s) => s.dump());
  writeFileAtomic(out, `${JSON.stringify(dump)}\n`, 0o600);
  console.error(`Exported from ${dump.from} to ${out}; secrets are sealed with this relay's key.`);
  console.log(JSON.stringify(dumpCounts(dump)));
  return 0;
}

function readDump(path: string): StoreDump {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RelayError('config', `Cannot read ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RelayError('validation', `${path} is not JSON: is it a file written by "export"?`);
  }
  const parsed = StoreDump.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new RelayError(
      'validation',
      `${path} is not an export of this relay (${first?.path.join('.') || 'file'}: ${first?.message}).`,
    );
  }
  return parsed.data;
}

/**
 * `import-data --in FILE`: loads an export into the configured store, which must be empty. The
 * key must open the file's secrets before anything is written: every relay of the target shares
 * that key (DESIGN §5).
 */
async function importData(config: Config, path: string): Promise<number> {
  const dump = readDump(path);
  const box = new SecretBox(loadSecretKey(config), ...loadPreviousKey(config));
  await checkKeyOpensSecrets(box, { list: async () => dump.mailboxes }, config);
  const target = await withStore(config, 'import-data', async (s) => {
    await s.load(dump);
    return where(s);
  });
  console.error(`Imported ${path} (exported from ${dump.from} at ${dump.exportedAt}) into ${target}.`);
  console.log(JSON.stringify(dumpCounts(dump)));
  return 0;
}

export const exportVerb: Verb = {
  usage: EXPORT_USAGE,
  prepare(args) {
    const { values } = parseVerbArgs('export', args, { out: { type: 'string' } });
    const out = values.out?.trim();
    if (!out) throw new UsageError('Missing --out FILE for "export". See --help.');
    return (config) => exportData(config, out);
  },
};

export const importDataVerb: Verb = {
  usage: IMPORT_DATA_USAGE,
  prepare(args) {
    const { values } = parseVerbArgs('import-data', args, { in: { type: 'string' } });
    const path = values.in?.trim();
    if (!path) throw new UsageError('Missing --in FILE for "import-data". See --help.');
    return (config) => importData(config, path);
  },
};
