import { z } from 'zod';

/** CR, LF and NUL would let a value break out of an IMAP command line (RFC 9051 §4.3). */
const LINE_BREAK_OR_NUL = /[\r\n\0]/;

export const singleLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !LINE_BREAK_OR_NUL.test(v), 'must not contain line breaks or NUL characters');

/** A password as typed: not trimmed (spaces may belong to it), but never a line break or NUL. */
export const Password = z
  .string()
  .min(1, 'must not be empty')
  .max(1024, 'must be at most 1024 characters')
  .refine((v) => !LINE_BREAK_OR_NUL.test(v), 'must not contain line breaks or NUL characters');
