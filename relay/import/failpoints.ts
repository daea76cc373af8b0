/**
 * Test-only crash injection (RELAY_FAILPOINT): the process kills itself at this moment of an import.
 * before-copy (the intent is recorded, the COPY not sent), after-copy and after-store happen only
 * on servers without MOVE (RFC 6851).
 */
export const FAILPOINTS = [
  'after-deliver',
  'after-record',
  'before-copy',
  'after-copy',
  'after-store',
  'after-move',
] as const;
export type Failpoint = (typeof FAILPOINTS)[number];
