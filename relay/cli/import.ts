import type { Config } from '../config.js';
import { pino } from 'pino';
import { openRelay } from '../boot.js';
import { createLogger } from '../log/logger.js';
import { parseVerbArgs } from './args.js';
import { IMPORT_USAGE } from './usage.js';
import { UsageError } from './usage-error.js';
import type { Verb } from './verb.js';

/** sysexits.h EX_TEMPFAIL: the run was interrupted by a signal; run it again to continue. */
const INTERRUPTED = 75;

/**
 * `import --mailbox ID`: one run, headless, its result as JSON on stdout; exit 1 when it failed,
 * 75 when a signal interrupted it.
 */
async function importMailbox(config: Config, mailboxId: string): Promise<number> {
  // stdout carries the run's result alone; the log goes to stderr.
  const relay = await openRelay(config, { log: createLogger(config.log, pino.destination(2)) });
  try {
    if (!(await relay.mailboxes.find(mailboxId))) {
      console.error(`No mailbox ${mailboxId}.`);
      return 1;
    }
    relay.startAlerts();
    const { done } = await relay.imports.start(mailboxId, 'cli');
    // SIGTERM: the mails taken so far are recorded and moved, then the run ends (DESIGN §3).
    const stop = () => void relay.imports.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const run = await done;
    console.log(JSON.stringify(run, null, 2));
    return run.status === 'completed' ? 0 : run.status === 'interrupted' ? INTERRUPTED : 1;
  } finally {
    // An alert the run raised is still sent (for at most a few seconds) before the process ends.
    await relay.close();
  }
}

export const importVerb: Verb = {
  usage: IMPORT_USAGE,
  prepare(args) {
    const { values } = parseVerbArgs('import', args, { mailbox: { type: 'string' } });
    const id = values.mailbox?.trim();
    if (!id) throw new UsageError('Missing --mailbox ID for "import". See --help.');
    return (config) => importMailbox(config, id);
  },
};
