import { spawn } from 'node:child_process';

export interface CliRun {
  child: ReturnType<typeof spawn>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout contains `text`; throws with both outputs after `ms`. */
  waitFor(text: string, ms?: number): Promise<void>;
  out(): string;
  err(): string;
}

/** The relay's CLI as a user runs it (`npm run relay -- …` is `tsx relay/main.ts …`). */
export function relayCli(args: string[], env: Record<string, string>): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = async (text: string, ms = 20_000) => {
    const end = Date.now() + ms;
    while (!stdout.includes(text)) {
      if (Date.now() > end)
        throw new Error(`timed out waiting for "${text}"; stdout: ${stdout}; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}
