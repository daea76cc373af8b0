import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { type Issue, validationError } from '../validation-error.js';

/** zod-validated input on every route; a failure is a 400 that names the field (DESIGN §2 errors). */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error as { issues: Issue[] });
  });
