import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openRelay } from '../../../relay/boot.js';
import { loadConfig } from '../../../relay/config.js';
import { imapMailbox, startTestRelay } from '../../helpers/relay.js';
import { relayCli } from '../../helpers/relay-cli.js';

it('rotate-key re-seals every secret with a new key and keeps them readable', async () => {
  const t = await startTestRelay();
  try {
    const { body: m } = await t.call(t.tokens.alice, 'POST', '/api/mailboxes', imapMailbox());
    const keyBefore = readFileSync(join(t.dataDir, 'secret.key'), 'utf8');
    const sealedBefore = (await t.relay.store.get(m.id))!.secrets.password!;
    t.relay.release();

    const cli = relayCli(['rotate-key'], { RELAY_DATA_DIR: t.dataDir });
    expect((await cli.exited).code, cli.err()).toBe(0);
    expect(cli.out()).toContain('Re-sealed 1 secrets');

    const keyAfter = readFileSync(join(t.dataDir, 'secret.key'), 'utf8');
    expect(keyAfter).not.toBe(keyBefore);
    expect(readFileSync(join(t.dataDir, 'secret.key.previous'), 'utf8')).toBe(keyBefore);
    const relay = await openRelay(loadConfig({ RELAY_DATA_DIR: t.dataDir }));
    try {
      const stored = (await relay.store.get(m.id))!;
      expect(stored.secrets.password).not.toBe(sealedBefore);
      expect(stored.secrets.password!.split('.')[1]).toBe(relay.box.id);
      expect(relay.mailboxes.connectTarget(stored).credentials).toEqual({
        type: 'password',
        password: 'planted-Secret-4711',
      });
    } finally {
      relay.release();
    }
  } finally {
    await t.close();
  }
});
