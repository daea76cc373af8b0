/**
 * What the fault suite (issue 8) shares: a mailbox on a real Dovecot, optionally reached through the
 * IMAP fault proxy, delivering to a real HTTP receiver; the relay's CLI as the process to kill; and
 * the one verdict every fault must end in: each mail exactly once in its folder, each document
 * delivered under one key, no run left `running`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { buildMail, pdfBytes, sha256 } from '../../fixtures/corpus.js';
import { type DovecotOptions } from '../../helpers/dovecot.js';
import { type HttpReceiver, startHttpReceiver } from '../../helpers/http-receiver.js';
import { type FaultProxy, startFaultProxy } from '../../helpers/imap-fault-proxy.js';
import { type ImportEnv, startImportEnv } from '../../helpers/import-env.js';
import { type CliRun, relayCli } from '../../helpers/relay-cli.js';

export interface FaultKit {
  e: ImportEnv;
  id: string;
  receiver: HttpReceiver;
  proxy: FaultProxy | null;
  /** Message-IDs of the mails put into INBOX, in order (twins twice). */
  sent: string[];
  /** Message-IDs already in "Imported" before the import (older twins). */
  before: string[];
  /** SHA-256 of every document the mails carry: anything else delivered was cut off or made up. */
  documentHashes: Set<string>;
  cli(extraEnv?: Record<string, string>): CliRun;
  close(): Promise<void>;
}

const invoicePdf = (i: number, tag: string) => pdfBytes(4000, `${tag}-${i}`);
const invoice = (i: number, tag: string) =>
  buildMail({
    subject: `Invoice ${i}`,
    messageId: `<fault-${tag}-${i}@test>`,
    attachments: [
      {
        filename: `invoice-${i}.pdf`,
        content: invoicePdf(i, tag),
        contentType: 'application/pdf',
      },
    ],
  });

/**
 * `n` invoices, the last one twice with the same bytes (two UIDs, one mail: RFC 5322 allows it, and
 * a move must not take one copy for the other's), and with `olderTwin` an identical copy of the
 * first already in "Imported" (imported long ago), which no recovery may take for a new copy.
 */
export async function startFaultKit(
  opts: {
    n?: number;
    dovecot?: DovecotOptions;
    proxied?: boolean;
    twins?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<FaultKit> {
  const n = opts.n ?? 6;
  const twins = opts.twins ?? true;
  const e = await startImportEnv(opts.dovecot ? { dovecot: opts.dovecot } : {});
  const receiver = await startHttpReceiver();
  let proxy: FaultProxy | null = null;
  try {
    if (opts.proxied) {
      const { plainOnlyHost, plainOnlyPort } = e.dovecot;
      if (!plainOnlyHost || !plainOnlyPort) throw new Error('the fault proxy needs Dovecot on 127.0.0.2');
      proxy = await startFaultProxy({ host: plainOnlyHost, port: plainOnlyPort });
    }
    const imap = proxy ? { host: proxy.host, port: proxy.port, security: 'none' as const } : undefined;
    const id = await e.mailbox({}, imap);
    const tag = Math.random().toString(36).slice(2, 8);
    const raws = await Promise.all(Array.from({ length: n }, (_, i) => invoice(i, tag)));
    if (twins) raws.push(raws[n - 1]!);
    const before: string[] = [];
    if (twins) {
      await e.dovecot.appendMessages('alice', 'Imported', [raws[0]!]);
      before.push(`<fault-${tag}-0@test>`);
    }
    await e.dovecot.appendMessages('alice', 'INBOX', raws);
    const sent = await e.dovecot.messageIds('alice', 'INBOX');
    e.t.relay.release();
    const cliEnv = {
      RELAY_DATA_DIR: e.t.dataDir,
      RELAY_ALLOW_HOSTS: '127.0.0.1',
      RELAY_DELIVERY_URL: receiver.url,
      RELAY_RETRY_BASE_SECONDS: '0',
      NODE_EXTRA_CA_CERTS: e.dovecot.caCertPath,
      ...opts.env,
    };
    return {
      e,
      id,
      receiver,
      proxy,
      sent,
      before,
      documentHashes: new Set(Array.from({ length: n }, (_, i) => sha256(invoicePdf(i, tag)))),
      cli: (extra = {}) => relayCli(['import', '--mailbox', id], { ...cliEnv, ...extra }),
      async close() {
        await proxy?.close();
        await receiver.close();
        await e.close();
      },
    };
  } catch (err) {
    await proxy?.close();
    await receiver.close();
    await e.close();
    throw err;
  }
}

const count = (ids: string[]) => {
  const m = new Map<string, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
};

export interface Tally {
  lost: number;
  duplicated: number;
  deliveredTwice: number;
}

/** Mails lost and duplicated in the folders, documents delivered under more than one key. */
export async function tally(k: FaultKit): Promise<Tally> {
  const imported = count(await k.e.dovecot.messageIds('alice', 'Imported', { undeletedOnly: true }));
  const expected = count([...k.before, ...k.sent]);
  let lost = 0;
  let duplicated = 0;
  for (const [id, want] of expected) {
    const got = imported.get(id) ?? 0;
    if (got < want) lost += want - got;
    if (got > want) duplicated += got - want;
  }
  for (const [id, got] of imported) if (!expected.has(id)) duplicated += got;
  const keysPerMail = new Map<string, Set<string>>();
  for (const r of k.receiver.accepted.values()) {
    const mid = String(r.metadata.messageId);
    keysPerMail.set(mid, (keysPerMail.get(mid) ?? new Set()).add(r.key));
  }
  const deliveredTwice = [...keysPerMail.values()].reduce((sum, keys) => sum + keys.size - 1, 0);
  // A mail delivered by nobody is lost too, even if it sits in "Imported".
  lost += [...new Set(k.sent)].filter((mid) => !keysPerMail.has(mid)).length;
  return { lost, duplicated, deliveredTwice };
}

/** Every run's status as stored in the history, oldest first. */
export function runStatuses(k: FaultKit): string[] {
  const dir = join(k.e.t.dataDir, 'runs', k.id);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { status: string }).status);
}

/** The verdict of every fault: nothing lost, nothing twice, the source empty, no run `running`. */
export async function expectExactlyOnce(k: FaultKit): Promise<Tally> {
  const t = await tally(k);
  expect(t).toEqual({ lost: 0, duplicated: 0, deliveredTwice: 0 });
  expect(await k.e.dovecot.messageIds('alice', 'INBOX', { undeletedOnly: true })).toEqual([]);
  expect(await k.e.dovecot.messageCount('alice', 'NotImported')).toBe(0);
  expect(runStatuses(k)).not.toContain('running');
  return t;
}

/** Runs the CLI to its end and returns its result, failing with its stderr when it did not finish. */
export async function runToEnd(k: FaultKit, extraEnv: Record<string, string> = {}) {
  const run = k.cli(extraEnv);
  const started = performance.now();
  const { code } = await run.exited;
  expect(code, run.err()).toBe(0);
  return {
    result: JSON.parse(run.out()) as { counts: Record<string, number>; mails: { detail: string | null }[] },
    ms: Math.round(performance.now() - started),
  };
}
