import { type Config, loadConfig } from '../config.js';
import { wantsHelp } from './args.js';
import { importVerb } from './import.js';
import { migrateVerb } from './migrate.js';
import { exportVerb, importDataVerb } from './move-data.js';
import { rotateKeyVerb } from './rotate-key.js';
import { serveVerb } from './serve.js';
import { reportFailure } from './start-errors.js';
import { tokenVerb } from './token.js';
import { MAIN_USAGE } from './usage.js';
import { UsageError } from './usage-error.js';
import type { Verb } from './verb.js';

/** DESIGN §2's verbs. */
const VERBS: ReadonlyMap<string, Verb> = new Map([
  ['serve', serveVerb],
  ['token', tokenVerb],
  ['import', importVerb],
  ['rotate-key', rotateKeyVerb],
  ['migrate', migrateVerb],
  ['export', exportVerb],
  ['import-data', importDataVerb],
]);

const isHelp = (arg: string | undefined) => arg === 'help' || arg === '--help' || arg === '-h';

function verbOf(name: string): Verb {
  const verb = VERBS.get(name);
  if (!verb) throw new UsageError(`Unknown verb "${name}". See --help.`);
  return verb;
}

/**
 * The CLI: usage on stdout with exit 0; a wrong command line is one line on stderr and exit 2;
 * a failure one line and exit 1. Arguments are checked before the environment is read, and
 * `loadEnv` (the .env file) runs just before the configuration is parsed.
 */
export async function runCli(argv: string[], loadEnv: () => void = () => {}): Promise<number> {
  let config: Config | undefined;
  try {
    const [first, ...rest] = argv;
    if (isHelp(first)) {
      console.log(rest[0] === undefined ? MAIN_USAGE : verbOf(rest[0]).usage);
      return 0;
    }
    // No verb is serve, also when the command line starts with an option (`-- --port`).
    const [name, args] = first === undefined || first.startsWith('-') ? ['serve', argv] : [first, rest];
    const verb = verbOf(name);
    if (wantsHelp(args)) {
      console.log(verb.usage);
      return 0;
    }
    const run = verb.prepare(args);
    loadEnv();
    config = loadConfig();
    return await run(config);
  } catch (e) {
    const debug = config?.log.level === 'debug' || config?.log.level === 'trace';
    return reportFailure(e, { dataDir: config?.dataDir, debug });
  }
}
