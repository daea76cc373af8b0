import type { z } from 'zod';
import { RelayError } from './errors.js';

export type Issue = z.core.$ZodIssue;

/** "imap.port must be between 1 and 65535": the field and the reason, one sentence. */
export function describeIssue(issue: Issue): { field: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0] ?? ''].join('.');
    return { field, message: `${field} is not a known field` };
  }
  const field = path.join('.') || '(body)';
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return { field, message: `${field} is required` };
  if (issue.code === 'invalid_type')
    return {
      field,
      message: `${field} must be ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`,
    };
  if (issue.code === 'invalid_value' || issue.code === 'invalid_union')
    return {
      field,
      message: `${field} ${issue.message.replace(/^Invalid input:?\s*/i, 'is invalid: ').replace(/:\s*$/, '')}`,
    };
  return { field, message: `${field} ${issue.message}` };
}

export function validationError(error: { issues: Issue[] }): RelayError {
  const first = error.issues[0];
  if (!first) return new RelayError('validation', 'The request is invalid.');
  const { field, message } = describeIssue(first);
  return new RelayError('validation', message, { field });
}
