import { openAsBlob } from 'node:fs';
import type { StagedMail } from './staging.js';
import type { DeliveryResult, DeliveryTarget, MailMetadata } from './target.js';

/**
 * RELAY_DELIVERY_URL: one multipart POST per mail (`metadata` JSON + one `document` part each),
 * with an Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) that stays the same across
 * retries. 2xx accepted; 4xx other than 408 and 429 rejected for good; anything else is transient.
 */
export class HttpTarget implements DeliveryTarget {
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 60_000,
  ) {}

  /** A 2xx answer is the receiver's promise; nothing is left to flush here. */
  async flush(): Promise<void> {}

  async deliver(key: string, mail: StagedMail, meta: MailMetadata): Promise<DeliveryResult> {
    const form = new FormData();
    const documents = mail.documents.map(({ filename, type, size, sha256 }) => ({
      filename,
      type,
      size,
      sha256,
    }));
    form.append(
      'metadata',
      new Blob([JSON.stringify({ ...meta, documents })], { type: 'application/json' }),
      'message.json',
    );
    for (const d of mail.documents) form.append('document', await openAsBlob(d.path), d.filename);
    const headers: Record<string, string> = { 'Idempotency-Key': `${meta.mailboxId}:${key}` };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        body: form,
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? 'timed out' : 'could not be reached';
      return { status: 'transient', detail: `The delivery target ${why}.` };
    }
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.ok) return { status: 'accepted' };
    const detail = `The delivery target answered ${res.status}${text ? `: ${text}` : ''}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
      return { status: 'rejected', detail };
    return { status: 'transient', detail };
  }
}
