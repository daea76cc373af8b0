import { expect, it } from 'vitest';
import { loadConfig } from '../../../relay/config.js';

it('refuses webhook and delivery URLs with a user name or password, naming the variable', () => {
  for (const name of ['RELAY_ALERT_URL', 'RELAY_DELIVERY_URL'])
    expect(() => loadConfig({ [name]: 'https://user:secret@hooks.example.com/in' })).toThrow(
      new RegExp(`${name}: must not contain a user name or password`),
    );
  expect(loadConfig({ RELAY_ALERT_URL: 'https://hooks.example.com/in' }).alerts.url).toBe(
    'https://hooks.example.com/in',
  );
});

it('reads the alert thresholds and the client secret expiry, and refuses a date that is none', () => {
  const c = loadConfig({ RELAY_ALERT_RETRYING_MINUTES: '5', RELAY_MS_CLIENT_SECRET_EXPIRES: '2027-03-31' });
  expect(c.alerts).toMatchObject({ retryingMinutes: 5, expiryDays: 14, msClientSecretExpires: '2027-03-31' });
  expect(() => loadConfig({ RELAY_MS_CLIENT_SECRET_EXPIRES: 'next spring' })).toThrow(
    /RELAY_MS_CLIENT_SECRET_EXPIRES/,
  );
  expect(() => loadConfig({ RELAY_LOG_FORMAT: 'xml' })).toThrow(/RELAY_LOG_FORMAT/);
});
