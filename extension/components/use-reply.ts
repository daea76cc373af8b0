import { useCallback, useEffect, useState } from 'preact/hooks';
import type { AppError, Reply } from '../lib/messaging';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; error: AppError }
  | { state: 'ready'; data: T };

/**
 * Loads `load()` on mount, when `deps` change and on `reload()`; the three states every view designs
 * for. A reload keeps showing the old data until the new arrives.
 */
export function useReply<T>(load: () => Promise<Reply<T>>, deps: unknown[] = []) {
  const [value, setValue] = useState<Loaded<T>>({ state: 'loading' });
  const reload = useCallback(async () => {
    setValue((v) => (v.state === 'ready' ? v : { state: 'loading' }));
    const reply = await load();
    setValue(reply.ok ? { state: 'ready', data: reply.data } : { state: 'error', error: reply.error });
  }, deps);
  useEffect(() => void reload(), [reload]);
  return [value, reload] as const;
}
