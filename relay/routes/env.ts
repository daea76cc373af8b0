import type { Caller } from '../store/token-store.js';

/** The Hono environment every router shares: the authenticated caller. */
export type AppEnv = { Variables: { caller: Caller } };
