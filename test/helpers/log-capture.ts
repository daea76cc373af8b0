import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../relay/log/logger.js';

export interface LogCapture {
  log: Logger;
  /** Every line written so far, as written. */
  text(): string;
  /** Every line parsed as JSON (a line that is not JSON fails the test). */
  lines(): Record<string, unknown>[];
  /** The lines of one event (`event` field). */
  events(name: string): Record<string, unknown>[];
}

/** The relay's real logger (pino, its redaction), writing into memory instead of stdout. */
export function captureLog(level = 'debug'): LogCapture {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const log = createLogger({ level, format: 'json' }, sink);
  const lines = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, text: () => text, lines, events: (name) => lines().filter((l) => l.event === name) };
}
