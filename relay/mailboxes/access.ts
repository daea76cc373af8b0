import { ROLE_ADMIN } from '../../shared/me.js';
import type { StoredMailbox } from '../store/records.js';
import type { Caller } from '../store/repository.js';

const isAdmin = (c: Caller) => c.roles.includes(ROLE_ADMIN);

/** DESIGN §2: admins see every mailbox; others those naming them or a role of theirs, or their own. */
export function canUse(c: Caller, m: StoredMailbox): boolean {
  if (isAdmin(c) || m.createdBy === c.user) return true;
  const { user, role } = m.access;
  return (user !== undefined && user === c.user) || (role !== undefined && c.roles.includes(role));
}

/**
 * Changing or deleting a mailbox, or pointing its stored password at another server, is for its
 * creator and admins: a user who may only import with it must not redirect its credentials.
 */
export function canManage(c: Caller, m: StoredMailbox): boolean {
  return isAdmin(c) || m.createdBy === c.user;
}

/** The relay acting for itself (alerts, health details): sees every mailbox. */
export const RELAY_CALLER = { user: 'relay', roles: ['admin'], tokenId: 'relay' } as const satisfies Caller;
