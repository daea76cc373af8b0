import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One throw-away CA for the test run, made before any worker starts: test servers (the local OIDC
 * server standing in for Microsoft and Google) present certificates it signed, and Node trusts it
 * through NODE_EXTRA_CA_CERTS, which it reads only at process start, hence a global setup.
 */
export default function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'mc-test-ca-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=Mailbox Connect test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(
    join(dir, 'san.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n',
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
  process.env.NODE_EXTRA_CA_CERTS = join(dir, 'ca.pem');
  process.env.MC_TEST_CA = join(dir, 'ca.pem');
  process.env.MC_TEST_TLS_CERT = join(dir, 'server.pem');
  process.env.MC_TEST_TLS_KEY = join(dir, 'server.key');
  return () => rmSync(dir, { recursive: true, force: true });
}
