import { Hono } from 'hono';
import type { AppEnv } from './env.js';

export const meRoutes = () =>
  new Hono<AppEnv>().get('/', (c) => {
    const { user, roles } = c.get('caller');
    return c.json({ user, roles }, 200);
  });
