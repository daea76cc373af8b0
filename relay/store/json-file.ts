import { existsSync, readFileSync } from 'node:fs';
import type { Adapter } from 'lowdb';
import type { z } from 'zod';
import { RelayError } from '../errors.js';
import { writeFileAtomic } from './data-dir.js';

/**
 * A lowdb adapter that validates what it reads and refuses a damaged file instead of starting empty:
 * an empty store would be written back over the user's configurations at the first change.
 */
export class ValidatedJsonFile<T> implements Adapter<T> {
  constructor(
    private readonly path: string,
    private readonly schema: z.ZodType<T>,
  ) {}

  async read(): Promise<T | null> {
    if (!existsSync(this.path)) return null;
    const text = readFileSync(this.path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw this.corrupt(`it is not valid JSON (${(e as Error).message})`);
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw this.corrupt(`${first?.path.join('.') || 'its content'} ${first?.message ?? 'is invalid'}`);
    }
    return parsed.data;
  }

  async write(data: T): Promise<void> {
    writeFileAtomic(this.path, JSON.stringify(data, null, 1));
  }

  private corrupt(why: string) {
    return new RelayError(
      'config',
      `${this.path} is damaged: ${why}. The relay will not start, so that nothing overwrites it. Restore it from a backup or move it away to start empty.`,
    );
  }
}
