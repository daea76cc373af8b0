import { spawn } from 'node:child_process';
import path from 'node:path';

export interface ExecOptions {
  /** Fed on stdin (closed at once without it). */
  input?: Buffer | string;
  cwd?: string;
  /** The whole environment of the command (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** For the error message (default: the command line). */
  name?: string;
}

/** Runs a command; resolves with its stdout, rejects with its exit code and stderr. */
export function execOut(cmd: string, args: string[], opts: ExecOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else
        reject(
          new Error(
            `${opts.name ?? `${path.basename(cmd)} ${args.join(' ')}`} exited with ${code}: ${err.trim()}`,
          ),
        );
    });
    child.stdin.end(opts.input);
  });
}
