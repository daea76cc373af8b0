/**
 * One import run of the real relay, in a process of its own so its peak RSS is the relay's alone.
 * Usage: node --import tsx test/bench/relay-run.ts '<RelayRunArgs as JSON>'. Prints one line of JSON
 * (RelayRunResult) on stdout; the caller checks the counts against the server.
 */
import { readFileSync } from 'node:fs';
import { silentLogger } from '../../relay/log/logger.js';
import { openRelay } from '../../relay/boot.js';
import { loadConfig } from '../../relay/config.js';
import { createImapDriver } from '../../relay/mail/imap/driver.js';
import { parseAllowList } from '../../relay/mail/net-guard.js';
import { MailboxCreate } from '../../shared/mailbox.js';
import type { RunCounts } from '../../shared/run.js';

export interface RelayRunArgs {
  dataDir: string;
  port: number;
  caCertPath: string;
  user: string;
  password: string;
  folders: { source: string; imported: string; notImported: string };
}

export interface RelayRunResult {
  /** The import run alone: from start() to done, login and logout included, relay boot excluded. */
  ms: number;
  /** User + system CPU of the whole process during the run, all threads: less sensitive to a busy machine. */
  cpuMs: number;
  status: string;
  error: string | null;
  counts: RunCounts;
  mailboxId: string;
  /** VmHWM: the highest resident set the process ever had, Node and tsx included. */
  peakRssMb: number;
  /** VmRSS after boot, before the run: what the run itself added is peak minus this. */
  bootRssMb: number;
}

/** A field of /proc/self/status in MB (the kernel reports kB). */
const procStatusMb = (field: 'VmHWM' | 'VmRSS') => {
  const line = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return line ? Number(line[1]) / 1024 : NaN;
};

async function main(args: RelayRunArgs): Promise<RelayRunResult> {
  const config = loadConfig({
    RELAY_DATA_DIR: args.dataDir,
    RELAY_ALLOW_HOSTS: '127.0.0.1',
    RELAY_MAX_MESSAGES: '100000',
    RELAY_MAX_MAIL_MB: '100',
  });
  // The harness's certificate is self-signed: trust it here, as NODE_EXTRA_CA_CERTS would in production.
  const allow = parseAllowList(config.allowHosts);
  const driver = createImapDriver({ allow, tls: { ca: readFileSync(args.caCertPath, 'utf8') } });
  // stdout carries the one result line; the relay's log would only cost time here.
  const relay = await openRelay(config, { driver, log: silentLogger() });
  try {
    const mailbox = await relay.mailboxes.create(
      { user: 'bench', roles: ['admin'], tokenId: 'bench' },
      MailboxCreate.parse({
        provider: 'imap',
        description: 'Benchmark',
        company: 'Bench GmbH',
        access: { user: 'bench' },
        imap: { host: '127.0.0.1', port: args.port, security: 'tls' },
        username: args.user,
        password: args.password,
        folders: args.folders,
      }),
    );
    const bootRssMb = procStatusMb('VmRSS');
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const run = await (await relay.imports.start(mailbox.id, 'cli')).done;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    return {
      ms,
      cpuMs: (used.user + used.system) / 1000,
      status: run.status,
      error: run.error ? `${run.error.kind}: ${run.error.message}` : null,
      counts: run.counts,
      mailboxId: mailbox.id,
      peakRssMb: procStatusMb('VmHWM'),
      bootRssMb,
    };
  } finally {
    relay.release();
  }
}

const arg = process.argv[2];
if (!arg) throw new Error('usage: relay-run.ts <RelayRunArgs as JSON>');
process.stdout.write(`${JSON.stringify(await main(JSON.parse(arg) as RelayRunArgs))}\n`);
