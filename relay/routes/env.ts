import type { Caller } from '../store/repository.js';

/** The Hono environment every router shares: the authenticated caller. */
export type AppEnv = { Variables: { caller: Caller } };
