/**
 * Issue 9: an alert raised just before the relay stopped (or died) while its receiver was down is
 * not lost: the next start sends what no notifier delivered, once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/alert-receivers.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';

let hook: WebhookReceiver;
let t: TestRelay;
const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  hook = await startWebhookReceiver();
  // Down for the first relay's only try and the restarted relay's first.
  hook.fail(503, 503);
  t = await startTestRelay({
    env: {
      RELAY_ALERT_URL: hook.url,
      RELAY_MS_CLIENT_ID: 'ms-client',
      RELAY_MS_CLIENT_SECRET: 'ms-secret',
      RELAY_MS_CLIENT_SECRET_EXPIRES: soon,
    },
  });
});
afterAll(async () => {
  await t?.close();
  await hook?.close();
});

it('sends an alert the receiver missed after a restart, and only once', async () => {
  // The first relay raised the client secret warning at start; its webhook answered 503.
  await new Promise((r) => setTimeout(r, 300));
  await t.relay.close(50);
  expect(hook.calls).toEqual([]);

  await t.restart();
  await t.relay.alerts.settled();
  expect(hook.calls.map((c) => [c.body.event, c.body.alert.kind])).toEqual([
    ['raised', 'client_secret_expiring'],
  ]);
  const [stored] = await t.relay.alerts.open();
  expect(stored?.notified).toEqual(['webhook:raised']);

  await t.restart();
  await t.relay.alerts.settled();
  expect(hook.calls).toHaveLength(1);
});
