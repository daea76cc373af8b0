/**
 * A relay as an operator runs it: `tsx relay/main.ts serve` in a process of its own, stdout and
 * stderr written to files (their tails are printed when a test fails), its JSON log lines parsed
 * as they come, its HTTP API called over a real socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** One JSON line of the relay's log (README "Operating the relay"); `time` read as epoch ms. */
export interface LogLine {
  time: number;
  level: number;
  event?: string;
  mailboxId?: string;
  runId?: string;
  trigger?: string;
  status?: string | number;
  reason?: string;
  [key: string]: unknown;
}

export interface ApiAnswer {
  status: number;
  body: any;
}

export interface RelayProcess {
  name: string;
  url: string;
  pid: number;
  /** Every JSON line the relay wrote to stdout so far. */
  lines: LogLine[];
  events(event: string): LogLine[];
  call(token: string | null, method: string, route: string, body?: unknown): Promise<ApiAnswer>;
  alive(): boolean;
  /** SIGKILL, as a lost machine or the OOM killer would; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, SIGKILL after `ms`. */
  stop(ms?: number): Promise<void>;
  /** The last lines of stdout and stderr, for a failure's report. */
  tail(lines?: number): string;
  stdoutPath: string;
  stderrPath: string;
}

/** The environment of this test process without any RELAY_* variable, so only `env` configures it. */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RELAY_')));
}

export async function startRelayProcess(
  name: string,
  env: Record<string, string>,
  logDir: string,
): Promise<RelayProcess> {
  const stdoutPath = path.join(logDir, `${name}.stdout.log`);
  const stderrPath = path.join(logDir, `${name}.stderr.log`);
  const outFile: WriteStream = createWriteStream(stdoutPath, { flags: 'a' });
  const errFile: WriteStream = createWriteStream(stderrPath, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', 'serve'], {
    cwd: REPO,
    env: { ...baseEnv(), RELAY_PORT: '0', RELAY_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const recent: string[] = [];
  const recentErr: string[] = [];
  const keep = (list: string[], line: string) => {
    list.push(line);
    if (list.length > 400) list.splice(0, list.length - 200);
  };
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    outFile.write(chunk);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      if (!text) continue;
      keep(recent, text);
      try {
        const line = JSON.parse(text) as LogLine & { time: number | string };
        // The relay writes ISO times; epoch ms compare with Date.now().
        lines.push({ ...line, time: typeof line.time === 'string' ? Date.parse(line.time) : line.time });
      } catch {
        // Not JSON (a stack trace of a crash): only in the file and the tail.
      }
    }
  });
  let partialErr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    errFile.write(chunk);
    const parts = (partialErr + chunk).split('\n');
    partialErr = parts.pop() ?? '';
    for (const text of parts) if (text) keep(recentErr, text);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      outFile.end();
      errFile.end();
      resolve({ code, signal });
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  // An aborted test run must not leave relays running behind.
  const killOnExit = () => void child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const tail = (n = 40) =>
    `--- ${name} stdout (${stdoutPath}), last ${n} lines ---\n${recent.slice(-n).join('\n')}\n` +
    `--- ${name} stderr (${stderrPath}) ---\n${recentErr.slice(-n).join('\n')}`;

  const deadline = Date.now() + START_TIMEOUT_MS;
  let started: LogLine | undefined;
  while (!(started = lines.find((l) => l.event === 'relay.start'))) {
    if (gone || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`relay ${name} did not start\n${tail(80)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = String(started.url);

  return {
    name,
    url,
    pid: child.pid!,
    lines,
    stdoutPath,
    stderrPath,
    events: (event) => lines.filter((l) => l.event === event),
    async call(token, method, route, body) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${route}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // keep the text
      }
      return { status: res.status, body: parsed };
    },
    alive: () => !gone,
    async kill9() {
      process.removeListener('exit', killOnExit);
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    async stop(ms = 10_000) {
      process.removeListener('exit', killOnExit);
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
    },
    tail,
  };
}
