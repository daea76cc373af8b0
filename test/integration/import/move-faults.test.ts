/**
 * Issue 8, item 1: a move interrupted at every step, on servers with MOVE (RFC 6851), without MOVE
 * but with UIDPLUS (COPY + STORE + UID EXPUNGE, RFC 4315), and without both (COPY + STORE only).
 * The relay is killed at a failpoint (SIGKILL) or its connection is reset by the fault proxy right
 * after the server's OK, so the server did the step and the relay never heard. The next run must
 * end with every mail exactly once in "Move imported mails to" and each document delivered once.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Failpoint } from '../../../relay/import/failpoints.js';
import { expectExactlyOnce, type FaultKit, runStatuses, runToEnd, startFaultKit } from './fault-kit.js';

let kit: FaultKit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const SERVERS = [
  { name: 'with MOVE', without: [] as string[] },
  { name: 'without MOVE, with UIDPLUS', without: ['MOVE'] },
  { name: 'without MOVE and UIDPLUS', without: ['MOVE', 'UIDPLUS'] },
];

/** A COPY whose answer was lost is trusted 2 × this long (the copy grace) before it counts as never made. */
const FAST = { RELAY_COMMAND_TIMEOUT_MS: '1000' };
const GRACE_MS = 2000;

/** For the closing note: what each recovery took. */
const figures: string[] = [];
afterAll(() => {
  if (figures.length)
    console.log(`recovery runs (lost/duplicated/delivered twice, ms):\n${figures.join('\n')}`);
});

describe.each(SERVERS)('a server $name', ({ name, without }) => {
  const failpoints: Failpoint[] = without.includes('MOVE')
    ? ['after-copy', 'after-store', 'after-move']
    : ['after-move'];

  it.each(failpoints)('killed %s: the next run leaves every mail once in the target', async (failpoint) => {
    kit = await startFaultKit({ dovecot: { capabilitiesWithout: without }, env: FAST });
    const crashed = kit.cli({ RELAY_FAILPOINT: failpoint });
    expect((await crashed.exited).signal, crashed.err()).toBe('SIGKILL');

    const { ms } = await runToEnd(kit);
    const t = await expectExactlyOnce(kit);
    // The crashed run is closed as interrupted when the next relay opens the data directory.
    expect(runStatuses(kit)).toEqual(['interrupted', 'completed']);
    figures.push(`${name}, kill ${failpoint}: ${t.lost}/${t.duplicated}/${t.deliveredTwice}, ${ms} ms`);
  });

  const command = without.includes('MOVE') ? 'UID COPY' : 'UID MOVE';
  const afterOk = without.includes('MOVE') ? [command, 'UID STORE'] : [command];
  it.each(afterOk)('connection reset after the OK to %s: nothing twice', async (verb) => {
    kit = await startFaultKit({ dovecot: { capabilitiesWithout: without }, proxied: true, env: FAST });
    kit.proxy!.arm({ moment: { at: 'after-ok', command: verb }, action: 'reset' });
    const broken = kit.cli();
    const { code } = await broken.exited;
    await kit.proxy!.fired();
    expect(code, broken.err()).toBe(1);
    expect(JSON.parse(broken.out()).error.kind).toBe('network');

    const { ms } = await runToEnd(kit);
    const t = await expectExactlyOnce(kit);
    figures.push(`${name}, reset after ${verb} OK: ${t.lost}/${t.duplicated}/${t.deliveredTwice}, ${ms} ms`);
  });
});

describe.each(SERVERS.slice(1))(
  'a server $name, killed after the intent and before the COPY',
  ({ without }) => {
    it('leaves the mails alone while the COPY could still be running, then moves each once', async () => {
      kit = await startFaultKit({ dovecot: { capabilitiesWithout: without }, env: FAST });
      const crashed = kit.cli({ RELAY_FAILPOINT: 'before-copy' });
      expect((await crashed.exited).signal, crashed.err()).toBe('SIGKILL');
      const started = Date.now();
      // Within the grace: no copy found may mean "not yet", so nothing is copied or removed.
      const soon = await runToEnd(kit);
      if (Date.now() - started < GRACE_MS) {
        expect(soon.result.counts.skipped).toBe(kit.sent.length);
        expect(await kit.e.dovecot.messageIds('alice', 'Imported')).toEqual(kit.before);
        await new Promise((r) => setTimeout(r, GRACE_MS - (Date.now() - started)));
      }
      await runToEnd(kit);
      await expectExactlyOnce(kit);
    });
  },
);

describe('recovery when the copy is not where the intent says', () => {
  it('a copy deleted from the target: the flagged source mail is unflagged and copied again', async () => {
    kit = await startFaultKit({ dovecot: { capabilitiesWithout: ['MOVE', 'UIDPLUS'] }, env: FAST });
    const crashed = kit.cli({ RELAY_FAILPOINT: 'after-store' });
    expect((await crashed.exited).signal).toBe('SIGKILL');
    // Someone removes the new copies from "Imported" before the relay comes back.
    const uids = await kit.e.dovecot.listUids('alice', 'Imported');
    await kit.e.dovecot.doveadm(['expunge', '-u', 'alice', 'mailbox', 'Imported', 'uid', `${uids[1]}:*`]);
    expect(await kit.e.dovecot.messageIds('alice', 'Imported')).toEqual(kit.before);
    await runToEnd(kit);
    await expectExactlyOnce(kit);
  });

  it('a target folder renamed meanwhile: the mails go to the folder configured now', async () => {
    kit = await startFaultKit({ dovecot: { capabilitiesWithout: ['MOVE'] }, env: FAST, twins: false });
    const crashed = kit.cli({ RELAY_FAILPOINT: 'before-copy' });
    expect((await crashed.exited).signal).toBe('SIGKILL');
    await kit.e.dovecot.doveadm(['mailbox', 'rename', '-u', 'alice', 'Imported', 'Imported-old']);
    await kit.e.dovecot.createFolder('alice', 'Imported');
    await new Promise((r) => setTimeout(r, GRACE_MS));
    await runToEnd(kit);
    await expectExactlyOnce(kit);
    expect(await kit.e.dovecot.messageCount('alice', 'Imported-old')).toBe(0);
  });
});
