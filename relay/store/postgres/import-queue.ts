/** The pg-boss queue of import jobs; created by `migrate`, under the schema lock. */
export const IMPORT_QUEUE = 'mailbox-import';

/** pg-boss keeps its tables in a schema of its own (its default). */
export const BOSS_SCHEMA = 'pgboss';
