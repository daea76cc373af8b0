import { openAsBlob } from 'node:fs';
import { RelayError } from '../../errors.js';
import { storageError } from '../../store/storage-error.js';
import type { StagedMail } from './staging.js';
import type { DeliveryResult, DeliveryTarget, MailMetadata } from './target.js';

/** 409: the Idempotency-Key draft's "a request with this key is still being processed". */
const TRANSIENT_4XX = new Set([408, 409, 425, 429]);
const TARGET_REFUSED = new Set([401, 403, 404, 405, 407]);

/**
 * RELAY_DELIVERY_URL: one multipart POST per mail (`metadata` JSON + one `document` part each),
 * with an Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) that stays the same across
 * retries. 2xx accepted; a refusal of the relay itself (401, 403, 404 …) stops the run; other 4xx
 * are a verdict on the mail (`rejected`); 408, 409, 425, 429, 5xx and no answer are transient.
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
        // A redirect would send the documents (and the token) somewhere nobody configured.
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      // A staged document the relay cannot read back is its own disk's fault, never the target's.
      const disk = storageError(e);
      if (disk) throw disk;
      const why = (e as Error).name === 'TimeoutError' ? 'timed out' : 'could not be reached';
      return { status: 'transient', detail: `The delivery target ${why}.` };
    }
    const detail = `The delivery target answered ${res.status}${await this.excerpt(res)}`;
    if (res.ok) return { status: 'accepted' };
    // The target refusing the relay itself is no verdict on the mail: the run stops, mails stay put.
    if (TARGET_REFUSED.has(res.status))
      throw new RelayError('delivery', `${detail}. Check RELAY_DELIVERY_URL and RELAY_DELIVERY_TOKEN.`);
    if (res.status >= 400 && res.status < 500 && !TRANSIENT_4XX.has(res.status))
      return { status: 'rejected', detail };
    return { status: 'transient', detail };
  }

  /** A short, single-line excerpt of the answer, with our token blanked should the target echo it. */
  private async excerpt(res: Response): Promise<string> {
    const reader = res.body?.getReader();
    let text = '';
    try {
      while (reader && text.length < 2000) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } catch {
      // An answer cut off is still an answer: its status says enough.
    } finally {
      await reader?.cancel().catch(() => {});
    }
    if (this.token) text = text.split(this.token).join('[redacted]');
    text = text.replace(/\s+/g, ' ').trim().slice(0, 300);
    return text ? `: ${text}` : '';
  }
}
