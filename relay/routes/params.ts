import { z } from 'zod';

/** `:id` of a mailbox or run: bounded, so a path segment never reaches the store unchecked. */
export const IdParam = z.object({ id: z.string().min(1).max(100) });
