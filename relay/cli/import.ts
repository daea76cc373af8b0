import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { openRelay } from '../boot.js';

/** sysexits.h EX_TEMPFAIL: the run was interrupted by a signal; run it again to continue. */
const INTERRUPTED = 75;

/**
 * `import --mailbox ID`: one run, headless, its result as JSON on stdout; exit 1 when it failed,
 * 75 when a signal interrupted it.
 */
export async function importCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { mailbox: { type: 'string' } } });
  if (!values.mailbox) {
    console.error('Usage: npm run relay -- import --mailbox ID');
    return 2;
  }
  const relay = await openRelay(config);
  try {
    if (!(await relay.mailboxes.find(values.mailbox))) {
      console.error(`No mailbox ${values.mailbox}.`);
      return 1;
    }
    const { done } = relay.imports.start(values.mailbox, 'cli');
    // SIGTERM: the mails taken so far are recorded and moved, then the run ends (DESIGN §3).
    const stop = () => void relay.imports.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    const run = await done;
    console.log(JSON.stringify(run, null, 2));
    return run.status === 'completed' ? 0 : run.status === 'interrupted' ? INTERRUPTED : 1;
  } finally {
    relay.release();
  }
}
