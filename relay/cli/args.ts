import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const HELP = new Set(['--help', '-h']);

/** `--help` or `-h` anywhere before a `--`: the verb's usage wins over any other mistake. */
export function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => HELP.has(a));
}

/**
 * node:util parseArgs, strict, with its errors worded for people: Node's own messages span lines
 * and speak of "positional arguments". The culprit is found again in the non-strict token list.
 */
export function parseVerbArgs<O extends Options>(
  verb: string,
  args: string[],
  options: O,
  maxPositionals = 0,
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError(
        `${culprit(verb, args, options) ?? (e as Error).message.split('\n')[0]} See --help.`,
      );
    throw e;
  }
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) throw new UsageError(`Unexpected argument "${extra}" for "${verb}". See --help.`);
  return parsed;
}

function culprit(verb: string, args: string[], options: Options): string | undefined {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const type = Object.hasOwn(options, t.name) ? options[t.name]?.type : undefined;
    if (type === undefined) return `Unknown option ${t.rawName} for "${verb}".`;
    // Strict mode takes no value that starts with a dash unless written --name=value.
    if (type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-'))))
      return `Option ${t.rawName} of "${verb}" needs a value.`;
    if (type === 'boolean' && t.inlineValue) return `Option ${t.rawName} of "${verb}" takes no value.`;
  }
  return undefined;
}
