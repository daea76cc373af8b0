import { Hono } from 'hono';

export const healthRoutes = (version: string) =>
  new Hono().get('/', (c) => c.json({ status: 'ok' as const, version }, 200));
