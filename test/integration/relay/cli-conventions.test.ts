import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../relay/cli/run-cli.js';
import { TokenStore } from '../../../relay/store/token-store.js';
import { relayCli } from '../../helpers/relay-cli.js';

/** runCli in this process: the whole matrix in milliseconds; the real CLI below proves the process. */
async function inProcess(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await runCli(argv, () => {
      throw new Error('the .env file is read only after the arguments are checked');
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

const exitCode = async (run: ReturnType<typeof relayCli>) => (await run.exited).code;
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'mc-cli-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('help: usage on stdout, exit 0', () => {
  const verbs = [
    ['serve'],
    ['token'],
    ['token', 'create'],
    ['token', 'list'],
    ['token', 'revoke'],
    ['import'],
    ['rotate-key'],
    ['migrate'],
    ['export'],
    ['import-data'],
  ];
  const forms = [
    ['--help'],
    ['-h'],
    ['help'],
    ...verbs.flatMap((v) => [
      [...v, '--help'],
      [...v, '-h'],
    ]),
    ...verbs.filter((v) => v.length === 1).map((v) => ['help', ...v]),
    ['import', '--mailbox', 'x', '--help'],
  ];
  it.each(forms.map((f) => [f.join(' '), f]))('%s', async (_, argv) => {
    const r = await inProcess(argv as string[]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^Usage:/);
    const verb = (argv as string[]).find((a) => !a.startsWith('-') && a !== 'help');
    if (verb) expect(r.out).toContain(verb);
  });
});

describe('a wrong command line: one line on stderr naming it, exit 2', () => {
  const cases: [string[], string][] = [
    [['frobnicate'], 'Unknown verb "frobnicate". See --help.'],
    [['help', 'frobnicate'], 'Unknown verb "frobnicate". See --help.'],
    [['migrate', '--force'], 'Unknown option --force for "migrate". See --help.'],
    [['export'], 'Missing --out FILE for "export". See --help.'],
    [['export', '--out'], 'Option --out of "export" needs a value. See --help.'],
    [['import-data'], 'Missing --in FILE for "import-data". See --help.'],
    [['import-data', '--in', 'a', 'b'], 'Unexpected argument "b" for "import-data". See --help.'],
    [['import', '--mailboxx', 'x'], 'Unknown option --mailboxx for "import". See --help.'],
    [['import', '--mailbox'], 'Option --mailbox of "import" needs a value. See --help.'],
    [['import', '--mailbox', '--json'], 'Option --mailbox of "import" needs a value. See --help.'],
    [['import'], 'Missing --mailbox ID for "import". See --help.'],
    [['import', '--mailbox', 'a', 'b'], 'Unexpected argument "b" for "import". See --help.'],
    [['serve', '--port', '1'], 'Unknown option --port for "serve". See --help.'],
    [['--port', '1'], 'Unknown option --port for "serve". See --help.'],
    [['serve', 'now'], 'Unexpected argument "now" for "serve". See --help.'],
    [['rotate-key', '-f'], 'Unknown option -f for "rotate-key". See --help.'],
    [['token'], 'Missing what "token" should do: create, list or revoke. See --help.'],
    [['token', 'delete', 'x'], 'Unknown token command "delete" (create, list or revoke). See --help.'],
    [['token', 'create'], 'Missing --user NAME for "token create". See --help.'],
    [['token', 'create', '--user'], 'Option --user of "token create" needs a value. See --help.'],
    [
      ['token', 'create', '--user', 'a', '--role', 'x'],
      'Unknown option --role for "token create". See --help.',
    ],
    [['token', 'list', '--json=yes'], 'Option --json of "token list" takes no value. See --help.'],
    [['token', 'revoke'], 'Missing the token ID for "token revoke". See --help.'],
    [['token', 'revoke', 'a', 'b'], 'Unexpected argument "b" for "token revoke". See --help.'],
  ];
  it.each(cases.map(([argv, line]) => [argv.join(' '), argv, line]))('%s', async (_, argv, line) => {
    const r = await inProcess(argv as string[]);
    expect(r).toEqual({ code: 2, out: '', err: line });
  });
});

describe('the real CLI', () => {
  afterEach(() => expect(existsSync(join(dataDir, 'nothing-here'))).toBe(false));

  it('prints help on stdout and words a wrong argument in one stderr line, without a stack', async () => {
    const env = { RELAY_DATA_DIR: join(dataDir, 'nothing-here') };
    const [help, unknownOption, missingValue] = [
      relayCli(['--help'], env),
      relayCli(['import', '--mailboxx', 'x'], env),
      relayCli(['import', '--mailbox'], env),
    ];
    expect(await exitCode(help)).toBe(0);
    expect(help.out()).toMatch(/^Usage: npm run relay -- <verb>/);
    expect(help.out()).toContain('rotate-key');
    expect(help.err()).toBe('');
    for (const [run, line] of [
      [unknownOption, 'Unknown option --mailboxx for "import". See --help.'],
      [missingValue, 'Option --mailbox of "import" needs a value. See --help.'],
    ] as const) {
      expect(await exitCode(run)).toBe(2);
      expect(run.err()).toBe(`${line}\n`);
      expect(run.out()).toBe('');
    }
  });

  it('`npm run relay -- token --help` reaches the CLI', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'relay', '--', 'token', '--help'],
      {
        env: { ...process.env, RELAY_DATA_DIR: join(dataDir, 'nothing-here') },
      },
    );
    expect(stdout).toMatch(/^Usage:\n {2}npm run relay -- token create --user NAME/);
  });

  it('token list --json prints id, user, roles, createdAt and revokedAt, never a hash', async () => {
    const tokens = new TokenStore(dataDir);
    const a = await tokens.create('alice', ['admin', 'ap-clerk']);
    const b = await tokens.create('bob', []);
    await tokens.revoke(b.id);
    const run = relayCli(['token', 'list', '--json'], { RELAY_DATA_DIR: dataDir });
    expect(await exitCode(run)).toBe(0);
    const listed = JSON.parse(run.out()) as Record<string, unknown>[];
    expect(listed.map((t) => Object.keys(t).sort())).toEqual([
      ['createdAt', 'id', 'revokedAt', 'roles', 'user'],
      ['createdAt', 'id', 'revokedAt', 'roles', 'user'],
    ]);
    expect(listed).toMatchObject([
      { id: a.id, user: 'alice', roles: ['admin', 'ap-clerk'], revokedAt: null },
      { id: b.id, user: 'bob', roles: [], revokedAt: expect.stringMatching(/^\d{4}-/) },
    ]);
    const hashes = readFileSync(join(dataDir, 'tokens.json'), 'utf8').match(/[0-9a-f]{64}/g)!;
    for (const h of hashes) expect(run.out()).not.toContain(h);
    expect(run.out()).not.toContain(a.token);
  });

  it('rotate-key refuses while serve uses the data directory, and changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-cli-rotate-'));
    const serve = relayCli(['serve'], { RELAY_DATA_DIR: dir, RELAY_PORT: '0' });
    try {
      await serve.waitFor('listening on');
      const key = readFileSync(join(dir, 'secret.key'), 'utf8');
      const rotate = relayCli(['rotate-key'], { RELAY_DATA_DIR: dir });
      expect(await exitCode(rotate)).toBe(1);
      expect(lines(rotate.err())).toEqual([
        `Error: rotate-key needs the relay stopped: a relay (pid ${serve.child.pid}) is using the data directory ${dir}. Stop it, run rotate-key, then start it again.`,
      ]);
      expect(readFileSync(join(dir, 'secret.key'), 'utf8')).toBe(key);
      expect(existsSync(join(dir, 'secret.key.previous'))).toBe(false);
    } finally {
      serve.child.kill('SIGTERM');
      expect(await exitCode(serve)).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
