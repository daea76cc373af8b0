import { ApiErrorBody } from '../../shared/errors.js';
import { fail, type Reply } from './messaging';

/** What every Hono client call resolves to, as far as turning it into a Reply goes. */
interface ResponseLike {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

/** The body type the typed client promises for a success (errors go through app.onError, untyped). */
type DataOf<R> = R extends { json(): Promise<infer B> } ? B : never;

/**
 * Runs one relay call: a 2xx body (or null for 204) is the data; an error body `{ error: { kind,
 * message, field? } }` becomes the error as it is; anything else is described by its status. A fetch
 * that throws means the relay is down, the URL is wrong or the host permission is missing.
 */
export async function toReply<R extends ResponseLike>(
  relayUrl: string,
  call: () => Promise<R>,
): Promise<Reply<DataOf<R>>> {
  let res: R;
  try {
    res = await call();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail('relay_unreachable', `${relayUrl}: ${reason}`);
  }
  const body = res.status === 204 ? null : await res.json().catch(() => undefined);
  if (res.ok) return { ok: true, data: body as DataOf<R> };
  const parsed = ApiErrorBody.safeParse(body);
  if (parsed.success)
    return fail(
      parsed.data.error.kind,
      parsed.data.error.message,
      withField(parsed.data.error.field, res.status),
    );
  return fail(res.status === 401 ? 'unauthorized' : 'internal', `The relay answered ${res.status}.`, {
    status: res.status,
  });
}

function withField(field: string | undefined, status: number) {
  return field === undefined ? { status } : { field, status };
}
