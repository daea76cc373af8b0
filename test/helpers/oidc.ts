/**
 * A local OAuth 2.0 / OpenID Connect server standing in for Microsoft's and Google's identity servers in
 * tests: oauth2-mock-server's issuer and service (discovery, /authorize, /token, /jwks, /introspect ...)
 * on loopback, over HTTPS with a certificate made at start (CN=localhost, SAN DNS:localhost, IP:127.0.0.1).
 *
 * On top of the library it adds: the identity and scope the next sign-ins act as, one-shot failures of
 * /token and /authorize, a record of /token requests, Microsoft's admin consent page (any path ending
 * in /v2.0/adminconsent, see `adminConsentPage`), and an RFC 7662 /introspect that answers
 * `{ active: true, ...claims }` only for unexpired access tokens this server signed (Dovecot's oauth2
 * passdb uses it), `{ active: false }` for anything else.
 *
 * Why not `OAuth2Server.start()`: the library's /introspect parses no form bodies (RFC 7662 posts
 * `token=...` as application/x-www-form-urlencoded) and its hook is synchronous, so this helper runs its
 * own HTTP(S) server that reads and checks the posted token first, then hands every request to the
 * library's service (whose `beforeIntrospect` hook fills in the verdict).
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  OAuth2Issuer,
  OAuth2Service,
  type MutableRedirectUri,
  type MutableResponse,
  type MutableToken,
} from 'oauth2-mock-server';
import { selfSignedCert } from './dovecot-io.js';

export interface OidcOptions {
  /** Serve over HTTPS with a fresh self-signed certificate (default true; MSAL needs an https authority). */
  https?: boolean;
  /** Initial identity, as `setUser`. */
  user?: Record<string, unknown>;
  /** Initial scope, as `setScope`. */
  scope?: string;
}

export interface Oidc {
  /** `https://localhost:PORT` (`http://` with `https: false`); also the `iss` of every token. */
  issuer: string;
  /** The self-signed certificate, its own CA; both '' with `https: false`. */
  caCertPath: string;
  caCertPem: string;
  /** `${issuer}/.well-known/openid-configuration`; any path ending in /.well-known/openid-configuration
   * answers the same document, so tenant-style authorities (`${issuer}/organizations`) work too. */
  discoveryUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  introspectUrl: string;
  jwksUrl: string;
  /** `${issuer}/v2.0/adminconsent`, where MSAL-style authorities send the tenant-wide admin consent. */
  adminConsentUrl: string;
  /** The identity the next sign-ins act as: claims merged into the ID token AND access token (email,
   * preferred_username, name, tid, oid, upn ...). Replaces the previous identity. */
  setUser(claims: Record<string, unknown>): void;
  /** Scope string put into access tokens and the token response's `scope` (e.g. 'https://mail.google.com/'). */
  setScope(scope: string): void;
  /** Next token response fails with this OAuth error (e.g. 'invalid_grant', 'consent_required'), once. */
  failNextToken(error: string, description?: string): void;
  /** Make the next authorize redirect carry ?error=... instead of a code (e.g. 'access_denied'), once. */
  failNextAuthorize(error: string, description?: string): void;
  /** Omit refresh_token from the next successful token response, once. */
  omitNextRefreshToken(): void;
  /** Bodies of the /token requests answered so far (grant_type, code, refresh_token, client_id ...). */
  tokenRequests: Array<Record<string, string>>;
  /**
   * Signs an access token for the current user (or `claims` instead) without a /token round trip, e.g.
   * an expired one with `expiresIn: -60`. Same form as the ones /token issues.
   */
  issueAccessToken(opts?: { claims?: Record<string, unknown>; expiresIn?: number }): Promise<string>;
  /** The library's service, for one-off hooks (`service.once('beforeTokenSigning', ...)`). */
  service: OAuth2Service;
  stop(): Promise<void>;
}

/** RFC 9068's `typ` for JWT access tokens; introspection accepts only these, so an ID token is no access token. */
const ACCESS_TOKEN_TYP = 'at+jwt';
const CLOCK_SKEW_S = 5;

/** The relay's Office 365 and Gmail apps pointed at this provider, as the OAuth tests run them. */
export const relayOAuthEnv = (oidc: Oidc): Record<string, string> => ({
  RELAY_MS_CLIENT_ID: 'mc-ms-client',
  RELAY_MS_CLIENT_SECRET: 'planted-ms-secret',
  RELAY_MS_AUTHORITY: oidc.issuer,
  RELAY_GOOGLE_CLIENT_ID: 'mc-google-client',
  RELAY_GOOGLE_CLIENT_SECRET: 'planted-google-secret',
  RELAY_GOOGLE_AUTH_URL: oidc.authorizeUrl,
  RELAY_GOOGLE_TOKEN_URL: oidc.tokenUrl,
});

export async function startOidc(opts: OidcOptions = {}): Promise<Oidc> {
  const https = opts.https ?? true;
  let user: Record<string, unknown> = { ...opts.user };
  let scope = opts.scope;
  let nextTokenError: { error: string; error_description?: string } | undefined;
  let nextAuthorizeError: { error: string; error_description?: string } | undefined;
  let omitRefreshToken = false;
  const tokenRequests: Array<Record<string, string>> = [];

  const issuer = new OAuth2Issuer();
  await issuer.keys.generate('RS256');
  const service = new OAuth2Service(issuer);

  /** Merges the current identity (and scope) into a token being signed, access token or ID token. */
  const shapeToken = (token: MutableToken, claims: Record<string, unknown>): void => {
    // The library's access tokens always carry a `scope` key (maybe undefined), its ID tokens never do.
    const isAccessToken = 'scope' in token.payload;
    Object.assign(token.payload, claims);
    if (isAccessToken) {
      token.header.typ = ACCESS_TOKEN_TYP;
      if (scope !== undefined) token.payload.scope = scope;
      if (token.payload.scope === undefined) delete token.payload.scope;
    }
  };
  service.on('beforeTokenSigning', (token: MutableToken) => shapeToken(token, user));

  service.on('beforeResponse', (response: MutableResponse, req: IncomingMessage & { body?: unknown }) => {
    tokenRequests.push(stringRecord(req.body));
    if (typeof response.body !== 'object') return;
    if (nextTokenError) {
      response.statusCode = nextTokenError.error === 'invalid_client' ? 401 : 400;
      response.body = { ...nextTokenError };
      nextTokenError = undefined;
      return;
    }
    if (scope !== undefined) response.body.scope = scope;
    if (omitRefreshToken) {
      delete response.body.refresh_token;
      omitRefreshToken = false;
    }
  });

  service.on('beforeAuthorizeRedirect', (redirect: MutableRedirectUri) => {
    if (!nextAuthorizeError) return;
    redirect.url.searchParams.delete('code');
    redirect.url.searchParams.set('error', nextAuthorizeError.error);
    if (nextAuthorizeError.error_description) {
      redirect.url.searchParams.set('error_description', nextAuthorizeError.error_description);
    }
    nextAuthorizeError = undefined;
  });

  /** Introspection verdicts, computed before the request reaches the library (see the file comment). */
  const verdicts = new WeakMap<IncomingMessage, Record<string, unknown>>();
  service.on('beforeIntrospect', (response: MutableResponse, req: IncomingMessage) => {
    response.statusCode = 200;
    response.body = verdicts.get(req) ?? { active: false };
  });

  /** RFC 7662 answer for `token`: its claims if this server signed it, it is an access token and current. */
  const introspect = (token: string | undefined): Record<string, unknown> => {
    const claims = token ? verifyAccessToken(token) : undefined;
    if (!claims) return { active: false };
    return { ...claims, active: true, token_type: 'Bearer' };
  };

  const verifyAccessToken = (token: string): Record<string, unknown> | undefined => {
    const [h, p, s, ...rest] = token.split('.');
    if (!h || !p || !s || rest.length > 0) return undefined;
    const header = parseJsonPart(h);
    const payload = parseJsonPart(p);
    if (!header || !payload) return undefined;
    if (header.alg !== 'RS256' || header.typ !== ACCESS_TOKEN_TYP) return undefined;
    const jwk = issuer.keys.toJSON().find((k) => k.kid === header.kid);
    if (!jwk) return undefined;
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      if (!verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return undefined;
    } catch {
      return undefined;
    }
    const now = Math.floor(Date.now() / 1000);
    if (payload.iss !== issuer.url) return undefined;
    if (typeof payload.exp !== 'number' || payload.exp <= now) return undefined;
    if (typeof payload.nbf === 'number' && payload.nbf > now + CLOCK_SKEW_S) return undefined;
    return payload;
  };

  const handle = service.requestHandler;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'POST' && pathname === '/introspect') {
      readBody(req).then(
        (body) => {
          verdicts.set(req, introspect(new URLSearchParams(body).get('token') ?? undefined));
          handle(req, res);
        },
        () => res.destroy(),
      );
      return;
    }
    if (req.method === 'GET' && pathname.endsWith(ADMIN_CONSENT_PATH)) {
      adminConsentPage(req, res, typeof user.tid === 'string' ? user.tid : TEST_TENANT);
      return;
    }
    if (req.method === 'GET' && pathname.endsWith('/.well-known/openid-configuration')) {
      req.url = '/.well-known/openid-configuration';
    }
    handle(req, res);
  };

  let dir: string | undefined;
  let caCertPath = '';
  let caCertPem = '';
  let server: Server;
  try {
    const runCa = process.env.MC_TEST_CA;
    if (https && runCa && process.env.MC_TEST_TLS_CERT && process.env.MC_TEST_TLS_KEY) {
      // The test run's CA (test/setup/test-ca.ts), which this process already trusts through
      // NODE_EXTRA_CA_CERTS: in-process clients (MSAL, Google's client) can reach this server.
      caCertPath = runCa;
      caCertPem = await readFile(runCa, 'utf8');
      const cert = await readFile(process.env.MC_TEST_TLS_CERT);
      server = createHttpsServer({ key: await readFile(process.env.MC_TEST_TLS_KEY), cert }, listener);
    } else if (https) {
      dir = await mkdtemp(path.join(tmpdir(), 'oidc-'));
      const keyPath = path.join(dir, 'key.pem');
      caCertPath = path.join(dir, 'cert.pem');
      caCertPem = await selfSignedCert(keyPath, caCertPath);
      server = createHttpsServer({ key: await readFile(keyPath), cert: caCertPem }, listener);
    } else {
      server = createHttpServer(listener);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    if (dir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // A host name, not 127.0.0.1: MSAL wants one, and the certificate names both.
  const url = `${https ? 'https' : 'http'}://localhost:${port}`;
  issuer.url = url;

  let stopped = false;
  return {
    issuer: url,
    caCertPath,
    caCertPem,
    discoveryUrl: `${url}/.well-known/openid-configuration`,
    authorizeUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    introspectUrl: `${url}/introspect`,
    jwksUrl: `${url}/jwks`,
    adminConsentUrl: `${url}${ADMIN_CONSENT_PATH}`,
    setUser(claims) {
      user = { ...claims };
    },
    setScope(value) {
      scope = value;
    },
    failNextToken(error, description) {
      nextTokenError = { error, ...(description !== undefined && { error_description: description }) };
    },
    failNextAuthorize(error, description) {
      nextAuthorizeError = { error, ...(description !== undefined && { error_description: description }) };
    },
    omitNextRefreshToken() {
      omitRefreshToken = true;
    },
    tokenRequests,
    issueAccessToken({ claims, expiresIn } = {}) {
      return issuer.buildToken({
        expiresIn: expiresIn ?? 3600,
        scopesOrTransform: (header, payload) => {
          // Shaped like /token's access tokens: `scope` marks it as one, then the identity goes in.
          payload.scope = undefined;
          shapeToken({ header, payload }, claims ?? user);
        },
      });
    },
    service,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Dovecot's HTTP client keeps connections open for a minute; don't wait for it.
        server.closeAllConnections();
      });
      issuer.url = undefined;
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

const ADMIN_CONSENT_PATH = '/v2.0/adminconsent';
/** The tenant an admin consent is given for when the current user has no `tid` claim. */
export const TEST_TENANT = 'test-tenant';

const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Microsoft's "Permissions requested" page of the v2.0 admin consent endpoint, as far as the seed page
 * describes it: a "Consent on behalf of your organization" box and an "Accept" button. Accept with the
 * box ticked redirects with `admin_consent=True&tenant=…`; unticked (or Cancel) with Microsoft's
 * refusal, `error=access_denied&error_description=AADSTS65004…`. The form posts back here (GET), so
 * the redirect is a plain 302, as Microsoft's is.
 */
function adminConsentPage(req: IncomingMessage, res: ServerResponse, tenant: string): void {
  const q = new URL(req.url ?? '/', 'https://localhost').searchParams;
  const redirectUri = q.get('redirect_uri');
  if (!redirectUri || !q.get('client_id')) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('client_id and redirect_uri are required');
    return;
  }
  const decision = q.get('decision');
  if (decision) {
    const back = new URL(redirectUri);
    if (decision === 'accept' && q.get('on_behalf') === '1') {
      back.searchParams.set('admin_consent', 'True');
      back.searchParams.set('tenant', tenant);
    } else {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set(
        'error_description',
        'AADSTS65004: User declined to consent to access the app on behalf of the organization.',
      );
    }
    back.searchParams.set('state', q.get('state') ?? '');
    res.writeHead(302, { location: back.href }).end();
    return;
  }
  const hidden = ['client_id', 'scope', 'redirect_uri', 'state']
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(q.get(name) ?? '')}">`)
    .join('');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Permissions requested</title></head>
<body><form method="get"><h1>Permissions requested</h1>
<p>${escapeHtml(q.get('client_id') ?? '')} wants to read mail (${escapeHtml(q.get('scope') ?? '')}).</p>
${hidden}
<label><input type="checkbox" name="on_behalf" value="1"> Consent on behalf of your organization</label>
<p><button type="submit" name="decision" value="cancel">Cancel</button>
<button type="submit" name="decision" value="accept">Accept</button></p>
</form></body></html>`);
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function parseJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A parsed form body as strings (repeated keys joined by spaces). */
function stringRecord(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof body !== 'object' || body === null) return out;
  for (const [key, value] of Object.entries(body)) {
    out[key] = Array.isArray(value) ? value.map(String).join(' ') : String(value);
  }
  return out;
}
