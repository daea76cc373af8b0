import { loadDotEnv } from './cli/env-file.js';
import { runCli } from './cli/run-cli.js';

// DESIGN §6: `.env` in the working directory, read before the configuration is parsed.
process.exitCode = await runCli(process.argv.slice(2), () => loadDotEnv('.env'));
