import { z } from 'zod';

/** Who may do what: `admin` sees every mailbox; this role may give the tenant-wide Office 365 consent. */
export const ROLE_ADMIN = 'admin';
export const ROLE_AAD_MANAGER = 'Azure Active Directory Manager';

export const Me = z.object({ user: z.string(), roles: z.array(z.string()) });
export type Me = z.infer<typeof Me>;
