import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../relay/errors.js';
import { classifyImapError } from '../../../relay/mail/imap/classify-error.js';

const ctx = { host: 'imap.example.com', port: 993 };
const err = (props: Record<string, unknown>, message = 'x') => Object.assign(new Error(message), props);
const classify = (e: unknown, extra = {}) => classifyImapError(e, { ...ctx, ...extra });

describe('classifyImapError', () => {
  it('passes a RelayError through', () => {
    const original = new RelayError('folder_missing', 'gone');
    expect(classify(original)).toBe(original);
  });

  it.each([
    'ECONNREFUSED',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ECONNRESET',
    'ETIMEDOUT',
    'CONNECT_TIMEOUT',
    'ClosedAfterConnectTLS',
  ])('%s gives the one generic network sentence (no port scanning through the relay)', (code) => {
    const e = classify(err({ code }, `connect ${code} 10.0.0.1:993`));
    expect(e.kind).toBe('network');
    expect(e.message).toBe('Could not connect to imap.example.com on port 993.');
    expect(e.retryable).toBe(true);
  });

  it('says "lost" for a connection that was up', () => {
    expect(classify(err({ code: 'NoConnection' }), { connected: true }).message).toBe(
      'The connection to imap.example.com was lost.',
    );
  });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])('%s is dns', (code) => {
    expect(classify(err({ code })).toInfo()).toEqual({
      kind: 'dns',
      message: 'The mail server name could not be found: imap.example.com',
    });
  });

  it('a refused login is auth, worded for the credential type, without the server text', () => {
    const e = err({
      authenticationFailed: true,
      serverResponseCode: 'AUTHENTICATIONFAILED',
      responseText: 'secret-ish detail',
    });
    expect(classify(e).toInfo()).toEqual({
      kind: 'auth',
      message: 'The mail server refused the user name or password.',
    });
    expect(classify(e).retryable).toBe(false);
    expect(classify(e, { credentials: 'oauth2' }).message).toBe(
      'The mail server refused the sign-in. Reconnect the account.',
    );
  });

  it('temporary login failures (RFC 5530) do not count as wrong credentials', () => {
    const unavailable = classify(err({ authenticationFailed: true, serverResponseCode: 'UNAVAILABLE' }));
    expect(unavailable.kind).toBe('protocol');
    expect(unavailable.retryable).toBe(true);
    expect(classify(err({ authenticationFailed: true, serverResponseCode: 'LIMIT' })).kind).toBe(
      'rate_limited',
    );
  });

  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /not trusted/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /not trusted/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /not trusted/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /not trusted/],
    ['CERT_HAS_EXPIRED', /expired/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /not valid for imap\.example\.com/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /Could not establish a secure connection .* port 993/],
    ['EPROTO', /Could not establish a secure connection/],
  ])('%s is tls', (code, message) => {
    const e = classify(err({ code }));
    expect(e.kind).toBe('tls');
    expect(e.message).toMatch(message);
  });

  it('a missing STARTTLS is tls', () => {
    const e = classify(err({ tlsFailed: true }, 'Server does not support STARTTLS'));
    expect(e.toInfo()).toEqual({
      kind: 'tls',
      message:
        'The mail server does not offer STARTTLS on port 993. Choose another secure connection setting.',
    });
  });

  it('a reset during the handshake is tls, not network', () => {
    expect(classify(err({ code: 'ECONNRESET', tlsFailed: true })).kind).toBe('tls');
  });

  it('timeouts', () => {
    expect(classify(err({ code: 'ETIMEOUT' })).toInfo()).toEqual({
      kind: 'timeout',
      message: 'The mail server imap.example.com did not answer in time.',
    });
    expect(classify(err({ code: 'GREETING_TIMEOUT' })).message).toMatch(
      /did not answer like an IMAP server on port 993/,
    );
  });

  it('a refused command is protocol with the server text on one short line', () => {
    const e = classify(
      err({ responseStatus: 'NO', responseText: `Quota exceeded\r\n${'x'.repeat(500)}` }, 'Command failed'),
    );
    expect(e.kind).toBe('protocol');
    expect(e.message).toMatch(/^The mail server refused the request: Quota exceeded x+…$/);
    expect(e.message.length).toBeLessThan(260);
    expect(e.message).not.toMatch(/[\r\n]/);
  });

  it('something unknown from the server is protocol, a bug in the relay is internal', () => {
    expect(classify(err({ code: 'ParserError3' })).kind).toBe('protocol');
    expect(classify('weird').kind).toBe('protocol');
    expect(classify(new TypeError("Cannot read properties of undefined (reading 'x')")).toInfo()).toEqual({
      kind: 'internal',
      message: 'An unexpected error occurred in the relay.',
    });
  });

  it('keeps the original error as the cause, out of the message', () => {
    const original = err({ code: 'ECONNREFUSED' }, 'connect ECONNREFUSED 10.0.0.1:993');
    const e = classify(original);
    expect(e.cause).toBe(original);
    expect(e.message).not.toContain('10.0.0.1');
  });
});
