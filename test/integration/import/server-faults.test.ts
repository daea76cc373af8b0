/**
 * Issue 8, item 4: a server that stops answering, or answers garbage, in the middle of a FETCH
 * literal or after the OK to a COPY. Each fault is said as what it is (a stall is a `timeout`, not
 * a lost connection), nothing is decided from a cut-off mail, and the next run ends with every
 * mail exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../fixtures/corpus.js';
import type { FaultAction, FaultMoment } from '../../helpers/imap-fault-proxy.js';
import { expectExactlyOnce, type FaultKit, runToEnd, startFaultKit } from './fault-kit.js';

let kit: FaultKit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

/** The relay gives a silent server this long (RELAY_COMMAND_TIMEOUT_MS) before it calls it a timeout. */
const SILENCE_MS = 1500;

const CASES: { name: string; moment: FaultMoment; action: FaultAction; kind: string; message: RegExp }[] = [
  {
    name: 'stops answering in the middle of a FETCH literal',
    moment: { at: 'mid-literal', command: 'UID FETCH', afterBytes: 3000 },
    action: 'stall',
    kind: 'timeout',
    message: /stopped answering/,
  },
  {
    name: 'stops answering after the OK to UID COPY',
    moment: { at: 'after-ok', command: 'UID COPY' },
    action: 'stall',
    kind: 'timeout',
    message: /stopped answering/,
  },
  {
    name: 'sends garbage in the middle of a FETCH literal',
    moment: { at: 'mid-literal', command: 'UID FETCH', afterBytes: 3000 },
    action: 'garbage',
    kind: 'network',
    message: /connection to .* was lost/,
  },
  {
    name: 'resets the connection in the middle of a FETCH literal',
    moment: { at: 'mid-literal', command: 'UID FETCH', afterBytes: 3000 },
    action: 'reset',
    kind: 'network',
    message: /connection to .* was lost/,
  },
];

describe.each(CASES)('a server that $name', ({ moment, action, kind, message }) => {
  it(`is a ${kind}, moves nothing it did not decide, and the next run finishes`, async () => {
    kit = await startFaultKit({
      dovecot: { capabilitiesWithout: ['MOVE'] },
      proxied: true,
      env: { RELAY_COMMAND_TIMEOUT_MS: String(SILENCE_MS) },
    });
    kit.proxy!.arm({ moment, action });
    const started = performance.now();
    const broken = kit.cli();
    const { code } = await broken.exited;
    const failedAfter = Math.round(performance.now() - started);
    expect(code, broken.err()).toBe(1);
    const run = JSON.parse(broken.out());
    expect(run.status).toBe('failed');
    expect(run.error.kind).toBe(kind);
    expect(run.error.message).toMatch(message);
    // Whatever reached the receiver came whole: a cut-off literal is never taken for a mail.
    for (const r of kit.receiver.accepted.values())
      for (const d of r.documents) expect(kit.documentHashes.has(sha256(d.bytes))).toBe(true);

    const { ms } = await runToEnd(kit);
    const t = await expectExactlyOnce(kit);
    console.log(
      `${action} at ${moment.at}: failed after ${failedAfter} ms as ${kind}; recovered in ${ms} ms; ${JSON.stringify(t)}`,
    );
  });
});
