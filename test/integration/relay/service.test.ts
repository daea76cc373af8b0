import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';

const REPO = resolve(import.meta.dirname, '../../..');
const isRoot = process.getuid?.() === 0;
/** Stands in for the unit's system user and the image's uid 10001: no passwd entry needed. */
const RELAY_UID = 10001;

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/** A process with its own cwd, user and environment (the relay-cli helper inherits all three). */
function start(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; uid?: number }) {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let ended = false;
  const exited = new Promise<number>((r) =>
    child.on('exit', (code, signal) => {
      ended = true;
      r(code ?? (signal ? 128 : 1));
    }),
  );
  const waitFor = async (text: string, ms = 20_000) => {
    for (const end = Date.now() + ms; !stdout.includes(text); await new Promise((r) => setTimeout(r, 50)))
      if (ended || Date.now() > end)
        throw new Error(
          `no "${text}" (${ended ? 'exited' : 'timed out'}); stdout: ${stdout}; stderr: ${stderr}`,
        );
  };
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}

/**
 * The repository's own build command (package.json build:relay) into a temp install standing in for
 * /opt/mailbox-connect, with the repository's node_modules; `meta` lists what the bundle imports.
 */
let root: string;
let install: string;
let meta: { outputs: Record<string, { imports: { path: string; external?: boolean }[] }> };
beforeAll(async () => {
  root = temp('mc-svc-');
  chmodSync(root, 0o755);
  install = join(root, 'opt/mailbox-connect');
  mkdirSync(install, { recursive: true });
  const [tool, ...args] = pkg.scripts['build:relay']!.split(' ');
  expect(tool).toBe('esbuild');
  await promisify(execFile)(
    join(REPO, 'node_modules/.bin/esbuild'),
    [
      ...args.map((a) => (a.startsWith('--outfile=') ? `--outfile=${install}/.output/relay/main.mjs` : a)),
      `--metafile=${root}/meta.json`,
    ],
    { cwd: REPO },
  );
  meta = JSON.parse(readFileSync(join(root, 'meta.json'), 'utf8'));
  symlinkSync(join(REPO, 'node_modules'), join(install, 'node_modules'));
  copyFileSync(join(REPO, 'package.json'), join(install, 'package.json'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The compiled relay (`node .output/relay/main.mjs`), with a user's environment and nothing of the test run's. */
function builtRelay(args: string[], opts: { cwd?: string; env: Record<string, string>; uid?: number }) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RELAY_')));
  delete env.NODE_EXTRA_CA_CERTS; // the test CA, in a 0700 directory another user may not read
  return start(process.execPath, [join(install, '.output/relay/main.mjs'), ...args], {
    cwd: opts.cwd ?? install,
    env: { ...env, ...opts.env },
    ...(opts.uid === undefined ? {} : { uid: opts.uid }),
  });
}

/** A refused start (issue 9): exit 1, exactly one line on stderr, no stack trace, nothing served. */
async function refused(run: ReturnType<typeof start>) {
  expect(await run.exited, run.err()).toBe(1);
  expect(run.err()).not.toMatch(/\n\s+at /);
  expect(lines(run.err())).toHaveLength(1);
  expect(run.out()).not.toContain('listening on');
  return run.err().trimEnd();
}

describe.concurrent('a data directory the relay cannot write: one line naming it and its owner', () => {
  it('owned by another user (EACCES)', async () => {
    // Root may write anywhere: as root the relay runs as another user, as in the unit and the image.
    const dir = temp('mc-svc-eacces-');
    chmodSync(dir, isRoot ? 0o755 : 0o500);
    const rootOnly = join(dir, 'root-only');
    if (isRoot) mkdirSync(rootOnly, { mode: 0o700 });
    try {
      const dataDir = join(isRoot ? rootOnly : dir, 'data');
      const run = builtRelay(['serve'], {
        env: { RELAY_DATA_DIR: dataDir, RELAY_PORT: '0' },
        ...(isRoot ? { uid: RELAY_UID } : {}),
      });
      const message = await refused(run);
      expect(message).toContain(
        `Error: The data directory ${dataDir} is not writable by the relay (EACCES: mkdir`,
      );
      expect(message).toContain(
        `The relay's user (uid ${isRoot ? RELAY_UID : process.getuid!()}) must own it`,
      );
    } finally {
      chmodSync(dir, 0o700);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on a read-only file system (EROFS)', async (ctx) => {
    const dir = temp('mc-svc-erofs-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      const why = String(e).split('\n')[0];
      return ctx.skip(`a read-only tmpfs cannot be mounted here (needs root or CAP_SYS_ADMIN): ${why}`);
    }
    try {
      const dataDir = join(dir, 'data');
      const message = await refused(
        builtRelay(['serve'], { env: { RELAY_DATA_DIR: dataDir, RELAY_PORT: '0' } }),
      );
      expect(message).toContain(`Error: The data directory ${dataDir} is on a read-only file system (EROFS`);
      expect(message).toContain("The relay's user (");
      expect(message).toContain('must own it');
    } finally {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads .env in the working directory; the real environment wins over it', async () => {
    const cwd = temp('mc-svc-dotenv-');
    const port = await freePort();
    try {
      const fromFile = join(cwd, 'from-file');
      writeFileSync(
        join(cwd, '.env'),
        `# as node --env-file reads it\nRELAY_PORT=${port}\nRELAY_DATA_DIR=${fromFile}\n`,
      );
      const dataDir = join(cwd, 'from-environment');
      const run = builtRelay(['serve'], { cwd, env: { RELAY_DATA_DIR: dataDir } });
      try {
        await run.waitFor(`listening on http://127.0.0.1:${port} (data: ${dataDir})`);
        expect(await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()).toMatchObject({
          status: 'ok',
        });
        expect(existsSync(fromFile)).toBe(false);
      } finally {
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

/** `[Section] Key=Value` lines of a systemd unit; a key given twice keeps both (Environment=). */
function parseUnit(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else {
      const key = `${section}.${line.slice(0, line.indexOf('='))}`;
      keys.set(key, [...(keys.get(key) ?? []), line.slice(line.indexOf('=') + 1)]);
    }
  }
  return keys;
}

const assignments = (list: string[]) =>
  Object.fromEntries(list.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));

describe('deploy/', () => {
  const unitFile = join(REPO, 'deploy/mailbox-connect-relay.service');
  const unit = parseUnit(readFileSync(unitFile, 'utf8'));
  const service = (key: string) => unit.get(`Service.${key}`)?.at(-1);
  const hasAnalyze = (() => {
    try {
      execFileSync('systemd-analyze', ['--version'], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  })();

  it('the compiled relay imports only packages in "dependencies" (npm ci --omit=dev is enough)', () => {
    const name = (p: string) =>
      p
        .split('/')
        .slice(0, p.startsWith('@') ? 2 : 1)
        .join('/');
    const external = Object.values(meta.outputs).flatMap((o) => o.imports.filter((i) => i.external));
    const packages = new Set(
      external.map((i) => i.path).filter((p) => !p.startsWith('node:') && !builtinModules.includes(name(p))),
    );
    expect(packages.size).toBeGreaterThan(0);
    expect([...packages].filter((p) => !(name(p) in pkg.dependencies))).toEqual([]);
  });

  it('the unit runs as its own user, hardened, and stops within its timeout', () => {
    expect(service('User')).toBe('mailbox-connect');
    expect(service('StateDirectory')).toBe('mailbox-connect');
    const env = assignments(unit.get('Service.Environment') ?? []);
    expect(env.RELAY_DATA_DIR).toBe('/var/lib/mailbox-connect');
    expect(service('ReadWritePaths')).toBe(env.RELAY_DATA_DIR);
    expect(service('WorkingDirectory')).toBe('/opt/mailbox-connect');
    expect(service('ExecStart')).toBe('/usr/bin/node /opt/mailbox-connect/.output/relay/main.mjs serve');
    expect(service('EnvironmentFile')).toBe('-/etc/mailbox-connect/relay.env');
    for (const [key, value] of Object.entries({
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      NoNewPrivileges: 'yes',
      RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
      CapabilityBoundingSet: '',
      SystemCallFilter: '@system-service',
      Restart: 'on-failure',
      KillSignal: 'SIGTERM',
    }))
      expect([key, service(key)]).toEqual([key, value]);
    // A refused start is not retried for ever.
    expect(unit.get('Unit.StartLimitBurst')?.at(-1)).toBe('5');
    expect(unit.get('Unit.StartLimitIntervalSec')?.at(-1)).toBe('300');
    // The relay gives the batch in hand 25 s after SIGTERM (serve.ts); systemd must wait longer.
    expect(Number(service('TimeoutStopSec'))).toBeGreaterThan(25);
    expect(service('MemoryDenyWriteExecute')).toBeUndefined(); // V8's JIT needs W+X memory
  });

  it.skipIf(!hasAnalyze)(
    'systemd-analyze verify accepts it, exposure OK (skipped where systemd-analyze is missing: apt-get install systemd)',
    async () => {
      // Verified as installed on a machine whose node is this one (/usr/bin/node on Debian).
      const copy = join(root, 'mailbox-connect-relay.service');
      writeFileSync(copy, readFileSync(unitFile, 'utf8').replace('/usr/bin/node', process.execPath));
      const verify = await promisify(execFile)('systemd-analyze', ['verify', copy]);
      expect(verify.stderr).toBe('');
      const security = await promisify(execFile)('systemd-analyze', ['security', '--offline=yes', copy]);
      const exposure = Number(/Overall exposure level for .*: (\d+\.\d+)/.exec(security.stdout)?.[1]);
      expect(exposure).toBeLessThanOrEqual(2.5);
    },
  );

  it("starts from the unit's ExecStart line, answers /api/health, and stops on its KillSignal", async () => {
    // No systemd runs here (PID 1 is not systemd): the unit's own lines, with its paths mapped into
    // the temp install, run as a plain user with only the environment systemd would give it.
    const state = join(root, 'var/lib/mailbox-connect');
    mkdirSync(join(root, 'var/lib'), { recursive: true });
    mkdirSync(state, { mode: 0o700 });
    if (isRoot) chownSync(state, RELAY_UID, RELAY_UID);
    const etc = join(root, 'etc/mailbox-connect');
    mkdirSync(etc, { recursive: true });
    const port = await freePort();
    writeFileSync(join(etc, 'relay.env'), `# the operator's settings\nRELAY_PORT=${port}\n`, { mode: 0o600 });
    const map = (v: string) =>
      v
        .replaceAll('/opt/mailbox-connect', install)
        .replaceAll('/var/lib/mailbox-connect', state)
        .replaceAll('/etc/mailbox-connect', etc);
    const envFile = map(service('EnvironmentFile')!.replace(/^-/, ''));
    const fileEnv = assignments(lines(readFileSync(envFile, 'utf8')).filter((l) => !l.startsWith('#')));
    const unitEnv = assignments((unit.get('Service.Environment') ?? []).map(map));
    const [exe, ...args] = service('ExecStart')!.split(' ').map(map);
    const run = start(existsSync(exe!) ? exe! : process.execPath, args, {
      cwd: map(service('WorkingDirectory')!),
      // systemd passes PATH and the unit's variables, the file's winning over Environment=.
      env: { PATH: process.env.PATH, ...unitEnv, ...fileEnv },
      ...(isRoot ? { uid: RELAY_UID } : {}),
    });
    try {
      await run.waitFor(`listening on http://127.0.0.1:${port} (data: ${state})`);
      const health = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(await health.json()).toEqual({ status: 'ok', version: pkg.version });
      expect(readFileSync(join(state, 'secret.key'), 'utf8')).toMatch(/^\S{44}\n$/);
      await expectDockerHealthcheck(port);
    } finally {
      run.child.kill(service('KillSignal') as NodeJS.Signals);
      const stopped = await Promise.race([
        run.exited,
        new Promise((r) => setTimeout(() => r('timeout'), Number(service('TimeoutStopSec')) * 1000)),
      ]);
      expect(stopped, run.err()).toBe(0);
    }
    expect(run.err()).toBe('');
  });

  /** The image's HEALTHCHECK command, run as Docker would: exit 0 while healthy, 1 when not. */
  async function expectDockerHealthcheck(port: number) {
    const dockerfile = readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8').replace(/\\\n\s*/g, '');
    const command = JSON.parse(/^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(command[0]).toBe('node');
    const check = (p: number) =>
      new Promise<number | null>((r) =>
        spawn(process.execPath, command.slice(1), { env: { RELAY_PORT: String(p) }, stdio: 'ignore' }).on(
          'exit',
          r,
        ),
      );
    expect(await check(port)).toBe(0);
    expect(await check(await freePort())).toBe(1);
  }

  it('the Dockerfile: two stages, production dependencies, a non-root user, /data, a healthcheck', () => {
    const dockerfile = readFileSync(join(REPO, 'deploy/Dockerfile'), 'utf8').replace(/\\\n\s*/g, '');
    const instructions = lines(dockerfile).filter((l) => !l.startsWith('#'));
    const stages = instructions.filter((l) => l.startsWith('FROM '));
    expect(stages).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    const runtime = instructions.slice(instructions.indexOf(stages[1]!));
    expect(instructions).toContain('RUN npm run build:relay');
    expect(pkg.scripts['build:relay']).toBeDefined();
    expect(runtime.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    expect(runtime).toContain('COPY --from=build /app/.output/relay ./.output/relay');
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    expect(runtime).toContain('ENV RELAY_DATA_DIR=/data RELAY_HOST=0.0.0.0 RELAY_PORT=8787');
    expect(runtime).toContain('VOLUME /data');
    expect(runtime).toContain('EXPOSE 8787');
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK '))).toContain('/api/health');
    expect(runtime.at(-1)).toBe('CMD ["node", ".output/relay/main.mjs", "serve"]');
    const ignored = lines(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
    for (const entry of ['node_modules', '.output', 'data', 'test/.tmp', '.git', '.env'])
      expect(ignored).toContain(entry);
  });
});
