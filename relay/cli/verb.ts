import type { Config } from '../config.js';

/** One CLI verb (DESIGN §2): its usage, and its arguments checked before any configuration is read. */
export interface Verb {
  usage: string;
  /** Throws a UsageError for a wrong argument; returns the run, given the configuration. */
  prepare(args: string[]): (config: Config) => Promise<number>;
}
