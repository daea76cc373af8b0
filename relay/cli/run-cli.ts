import { loadConfig } from '../config.js';
import { isRelayError } from '../errors.js';
import { importCommand } from './import.js';
import { rotateKeyCommand } from './rotate-key.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';

const USAGE = `Usage: npm run relay -- <verb>
  serve                                  run the HTTP API (the default)
  token create --user NAME [--roles A,B] print a new API token once
  token list | token revoke ID
  import --mailbox ID                    run one import now and print its result
  rotate-key                             re-seal every secret with a new key`;

export async function runCli(argv: string[]): Promise<number> {
  const [verb = 'serve', ...args] = argv;
  try {
    const config = loadConfig();
    switch (verb) {
      case 'serve':
        await serveCommand(config);
        return 0;
      case 'token':
        return await tokenCommand(config, args);
      case 'import':
        return await importCommand(config, args);
      case 'rotate-key':
        return await rotateKeyCommand(config);
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (e) {
    if (isRelayError(e) || (e instanceof Error && e.name === 'ConfigError')) {
      console.error(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
