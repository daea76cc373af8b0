import { generateKeyPairSync, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../../helpers/dovecot.js';
import { startOidc, type Oidc } from '../../helpers/oidc.js';

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const SHARED = 'shared@example.test';
const CLIENT_ID = 'mailbox-connect-test';
const REDIRECT_URI = 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/microsoft';

interface HttpResult {
  status: number;
  location?: string;
  body: string;
}

/** A request to the OIDC server, trusting its self-signed certificate; redirects are not followed. */
function call(oidc: Oidc, url: string, form?: Record<string, string>): Promise<HttpResult> {
  const body = form && new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: form ? 'POST' : 'GET',
        ca: oidc.caCertPem,
        headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            ...(res.headers.location && { location: res.headers.location }),
          }),
        );
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

interface Tokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  expires_in: number;
}

/** The authorization code flow as a browser and the relay would run it: /authorize, then /token. */
async function signIn(oidc: Oidc, user: Record<string, unknown>): Promise<Tokens> {
  oidc.setUser(user);
  const authorize = new URL(oidc.authorizeUrl);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All',
    state: 'state-1',
    nonce: 'nonce-1',
  }).toString();
  const redirect = await call(oidc, authorize.href);
  expect(redirect.status).toBe(302);
  const back = new URL(redirect.location ?? '');
  expect(back.origin + back.pathname).toBe(REDIRECT_URI);
  expect(back.searchParams.get('state')).toBe('state-1');
  const code = back.searchParams.get('code');
  expect(code).toBeTruthy();
  const res = await call(oidc, oidc.tokenUrl, {
    grant_type: 'authorization_code',
    code: code ?? '',
    redirect_uri: REDIRECT_URI,
    client_id: CLIENT_ID,
  });
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as Tokens;
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

function imap(server: Dovecot, auth: { user: string; accessToken: string } | { user: string; pass: string }) {
  return new ImapFlow({
    host: server.host,
    port: server.imapsPort,
    secure: true,
    tls: { ca: server.caCertPem },
    auth,
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  });
}

/** Logs in, lists the folders and logs out; returns the folder paths, sorted. */
async function listFolders(
  server: Dovecot,
  auth: { user: string; accessToken: string } | { user: string; pass: string },
): Promise<string[]> {
  const client = imap(server, auth);
  await client.connect();
  try {
    return (await client.list()).map((f) => f.path).sort();
  } finally {
    await client.logout();
  }
}

async function expectLoginRefused(server: Dovecot, user: string, accessToken: string): Promise<void> {
  const client = imap(server, { user, accessToken });
  await expect(client.connect()).rejects.toMatchObject({ authenticationFailed: true });
  client.close();
}

/** Signs `claims` like the OIDC server would, but with a key of our own (same kid, header and claims). */
function forge(genuine: string, claims: Record<string, unknown>): string {
  const [header] = genuine.split('.');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

describe('XOAUTH2 / OAUTHBEARER logins to Dovecot with tokens of the local OIDC server', () => {
  let oidc: Oidc;
  let dovecot: Dovecot;

  beforeAll(async () => {
    oidc = await startOidc();
    dovecot = await startDovecot({
      users: [
        { name: 'plain', password: 'plain-secret' },
        { name: ALICE, password: 'alice-password' },
        { name: BOB, password: 'bob-password' },
      ],
      oauth2: {
        introspectionUrl: oidc.introspectUrl,
        caCertPath: oidc.caCertPath,
        delegates: { [SHARED]: [ALICE] },
      },
    });
    await dovecot.createFolder(ALICE, 'Rechnungen');
    await dovecot.createFolder(SHARED, 'Eingang Kreditoren');
  });

  afterAll(async () => {
    await dovecot?.stop();
    await oidc?.stop();
  });

  it('serves discovery under the host name localhost, over HTTPS', async () => {
    expect(oidc.issuer).toMatch(/^https:\/\/localhost:\d+$/);
    const doc = JSON.parse((await call(oidc, oidc.discoveryUrl)).body) as Record<string, string>;
    expect(doc).toMatchObject({
      issuer: oidc.issuer,
      authorization_endpoint: oidc.authorizeUrl,
      token_endpoint: oidc.tokenUrl,
      jwks_uri: oidc.jwksUrl,
      introspection_endpoint: oidc.introspectUrl,
    });
    // Tenant-style authorities (MSAL's `${authority}/v2.0/...`) get the same document.
    const tenant = await call(oidc, `${oidc.issuer}/organizations/v2.0/.well-known/openid-configuration`);
    expect(JSON.parse(tenant.body)).toEqual(doc);
  });

  it('logs in with an access token from the authorization code flow and lists the folders', async () => {
    const tokens = await signIn(oidc, {
      email: ALICE,
      preferred_username: ALICE,
      name: 'Alice',
      tid: 'tenant-1',
    });
    const access = claimsOf(tokens.access_token);
    expect(access).toMatchObject({ email: ALICE, iss: oidc.issuer });
    expect(access.exp).toBeGreaterThan(Date.now() / 1000);
    expect(claimsOf(tokens.id_token ?? '')).toMatchObject({
      email: ALICE,
      tid: 'tenant-1',
      aud: CLIENT_ID,
      nonce: 'nonce-1',
    });
    expect(tokens.refresh_token).toBeTruthy();
    expect(oidc.tokenRequests.at(-1)).toMatchObject({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
    });

    expect(await listFolders(dovecot, { user: ALICE, accessToken: tokens.access_token })).toEqual([
      'INBOX',
      'Rechnungen',
    ]);
  });

  it('logs in with the access token of a refresh', async () => {
    const first = await signIn(oidc, { email: ALICE });
    const res = await call(oidc, oidc.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token ?? '',
      client_id: CLIENT_ID,
    });
    const refreshed = JSON.parse(res.body) as Tokens;
    expect(oidc.tokenRequests.at(-1)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: CLIENT_ID,
    });
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect(await listFolders(dovecot, { user: ALICE, accessToken: refreshed.access_token })).toContain(
      'INBOX',
    );
  });

  it("refuses another user's token", async () => {
    const bob = await signIn(oidc, { email: BOB });
    await expectLoginRefused(dovecot, ALICE, bob.access_token);
    // ...which is fine for its owner.
    expect(await listFolders(dovecot, { user: BOB, accessToken: bob.access_token })).toEqual(['INBOX']);
  });

  it('refuses an expired token', async () => {
    oidc.service.once('beforeTokenSigning', (token) => {
      token.payload.exp = Math.floor(Date.now() / 1000) - 60;
    });
    const expired = await signIn(oidc, { email: ALICE });
    expect(claimsOf(expired.access_token).exp).toBeLessThan(Date.now() / 1000);
    await expectLoginRefused(dovecot, ALICE, expired.access_token);
    await expectLoginRefused(
      dovecot,
      ALICE,
      await oidc.issueAccessToken({ claims: { email: ALICE }, expiresIn: -1 }),
    );
  });

  it('refuses forged, tampered and non-access tokens', async () => {
    const genuine = await signIn(oidc, { email: BOB });
    // Signed by someone else with the server's kid.
    await expectLoginRefused(
      dovecot,
      ALICE,
      forge(genuine.access_token, { ...claimsOf(genuine.access_token), email: ALICE }),
    );
    // The server's signature over different claims.
    const [header, , signature] = genuine.access_token.split('.');
    const claims = Buffer.from(JSON.stringify({ ...claimsOf(genuine.access_token), email: ALICE })).toString(
      'base64url',
    );
    await expectLoginRefused(dovecot, ALICE, `${header}.${claims}.${signature}`);
    // An ID token is no access token (RFC 9068 typ), even though the server signed it.
    const alice = await signIn(oidc, { email: ALICE });
    await expectLoginRefused(dovecot, ALICE, alice.id_token ?? '');
    await expectLoginRefused(dovecot, ALICE, 'not-a-token');
  });

  it('keeps password logins working, and a token is no password', async () => {
    expect(await listFolders(dovecot, { user: 'plain', pass: 'plain-secret' })).toEqual(['INBOX']);
    expect(await listFolders(dovecot, { user: ALICE, pass: 'alice-password' })).toContain('Rechnungen');
    const alice = await signIn(oidc, { email: ALICE });
    const client = imap(dovecot, { user: ALICE, pass: alice.access_token });
    await expect(client.connect()).rejects.toMatchObject({ authenticationFailed: true });
    client.close();
  });

  it("opens a shared mailbox with a delegate's token, not with anyone else's", async () => {
    const alice = await signIn(oidc, { email: ALICE });
    expect(await listFolders(dovecot, { user: SHARED, accessToken: alice.access_token })).toEqual([
      'Eingang Kreditoren',
      'INBOX',
    ]);
    const bob = await signIn(oidc, { email: BOB });
    await expectLoginRefused(dovecot, SHARED, bob.access_token);
    await expectLoginRefused(
      dovecot,
      SHARED,
      await oidc.issueAccessToken({ claims: { email: ALICE }, expiresIn: -1 }),
    );
  });
});

describe('an XOAUTH2-only server (like Office 365)', () => {
  let oidc: Oidc;
  let dovecot: Dovecot;

  beforeAll(async () => {
    oidc = await startOidc({ user: { email: ALICE } });
    dovecot = await startDovecot({
      users: [{ name: ALICE, password: 'alice-password' }],
      oauth2: { introspectionUrl: oidc.introspectUrl, caCertPath: oidc.caCertPath, mechanisms: ['xoauth2'] },
    });
  });

  afterAll(async () => {
    await dovecot?.stop();
    await oidc?.stop();
  });

  it('logs in with AUTHENTICATE XOAUTH2', async () => {
    const client = imap(dovecot, {
      user: ALICE,
      accessToken: (await signIn(oidc, { email: ALICE })).access_token,
    });
    await client.connect();
    await client.logout();
    // imapflow prefers OAUTHBEARER where offered; this server offers XOAUTH2 only.
    expect(await readFile(dovecot.logPath, 'utf8')).toMatch(
      new RegExp(`Login: user=<${ALICE}>, method=XOAUTH2`),
    );
    await expectLoginRefused(dovecot, ALICE, await oidc.issueAccessToken({ claims: { email: BOB } }));
  });
});
