/**
 * `npm run bench`: the relay's import speed and memory against mbsync on a real Dovecot (issues 3, 11).
 * Per scenario both tools get an identical folder, three times, alternating which goes first; the
 * median ratio counts and the result file keeps every run. Wall time, CPU seconds (the tool's and
 * Dovecot's apart) and peak RSS side by side. The relay must import every mail or the run counts
 * as broken (exit 1). Goals are reported, not enforced: a MISS still exits 0.
 *   --scenario A|B|C|D|scale   run only that scenario (repeatable); `scale` (issue 10: 1,000 mailboxes
 *                              on PostgreSQL, 1 relay against 3; scale.ts) runs only when named
 *   --profile                  write a V8 CPU profile of each relay run (node --cpu-prof) and print its path
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { run } from '../helpers/dovecot-io.js';
import { ensureTools, mbsyncPull } from './mbsync.js';
import type { RelayRunArgs, RelayRunResult } from './relay-run.js';
import type { RunCounts } from '../../shared/run.js';
import { scaleBenchmark } from './scale.js';
import { dovecotCpuMs } from './proc-cpu.js';
import { BENCH_USER, type MailMaker, mixedMail, pdfMail, plainMail, seedFolders } from './seed.js';

interface Scenario {
  name: string;
  /** What the mails are, in words, for the report. */
  about: string;
  mails: number;
  make: MailMaker;
  goals: { maxRatio: number; maxPeakMb: number };
}

/** Goals of issue 11: at or below mbsync's time, within the memory budget. */
const SCENARIOS: Scenario[] = [
  {
    name: 'A',
    about: '2,000 mails with a 100 KB PDF each',
    mails: 2000,
    make: pdfMail(100 * 1024),
    goals: { maxRatio: 1, maxPeakMb: 200 },
  },
  {
    name: 'B',
    about: '200 mails with a 10 MB PDF each',
    mails: 200,
    make: pdfMail(10 * 1024 * 1024),
    goals: { maxRatio: 1, maxPeakMb: 300 },
  },
  {
    name: 'C',
    about: '5,000 plain mails without documents (the per-mail cost)',
    mails: 5000,
    make: plainMail,
    goals: { maxRatio: 1, maxPeakMb: 200 },
  },
  {
    name: 'D',
    about: 'a realistic inbox of 1,000: 60 % plain, PDFs of 50 KB–2 MB, XML e-invoices, ten 20 MB scans',
    mails: 1000,
    make: mixedMail,
    goals: { maxRatio: 1, maxPeakMb: 300 },
  },
];
/** Each scenario runs this often, relay and mbsync alternating which goes first; the median counts. */
const REPEATS = 3;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/**
 * The relay part compiled as `npm start` runs the relay (esbuild, plain node, the same V8 flag), not
 * through tsx, whose loader alone adds about 40 MB to the resident set.
 */
const RELAY_RUN = path.join(root, '.output/bench/relay-run.mjs');
const NODE_FLAGS = ['--max-semi-space-size=4'];
async function buildRelayRun(): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(here, 'relay-run.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: RELAY_RUN,
    logLevel: 'warning',
  });
}

/** The relay part in a child process; its stdout's last line is the RelayRunResult. */
function relayRun(args: RelayRunArgs, profileDir: string | null): Promise<RelayRunResult> {
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...NODE_FLAGS, ...prof, RELAY_RUN, JSON.stringify(args)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as RelayRunResult);
      else reject(new Error(`relay-run exited with ${code}: ${out.trim()}`));
    });
  });
}

/** Everything that must hold after a correct import run; a benchmark of a broken run is worthless. */
async function checkRelayRun(
  d: Dovecot,
  s: Scenario,
  r: RelayRunResult,
  dataDir: string,
  folders: RelayRunArgs['folders'],
) {
  const outbox = await readdir(path.join(dataDir, 'outbox', r.mailboxId)).catch(() => []);
  const decided = r.counts.imported + r.counts.notImported;
  const facts = {
    status: r.status,
    decided,
    leftInSource: await d.messageCount(BENCH_USER, folders.source),
    inImported: await d.messageCount(BENCH_USER, folders.imported),
    inNotImported: await d.messageCount(BENCH_USER, folders.notImported),
    outboxMails: outbox.length,
  };
  const want = {
    status: 'completed',
    decided: s.mails,
    leftInSource: 0,
    inImported: r.counts.imported,
    inNotImported: r.counts.notImported,
    outboxMails: r.counts.imported,
  };
  const wrong = Object.entries(want).filter(([k, v]) => facts[k as keyof typeof facts] !== v);
  if (wrong.length > 0 || r.error)
    throw new Error(
      `broken relay run in scenario ${s.name}: ${JSON.stringify({ ...facts, error: r.error })}`,
    );
  return r.counts;
}

interface Measured {
  seconds: number;
  cpuSeconds: number;
  /** Dovecot's CPU while this tool ran: the server's share of the work. */
  dovecotCpuSeconds: number;
  mailsPerSecond: number;
  peakRssMb: number;
}

async function timedWithDovecot<T extends { ms: number; cpuMs: number; peakRssMb: number }>(
  d: Dovecot,
  mails: number,
  fn: () => Promise<T>,
): Promise<{ measured: Measured; raw: T }> {
  const config = path.join(d.dir, 'dovecot.conf');
  const before = dovecotCpuMs(config);
  const raw = await fn();
  const dovecot = dovecotCpuMs(config) - before;
  return {
    raw,
    measured: {
      seconds: raw.ms / 1000,
      cpuSeconds: raw.cpuMs / 1000,
      dovecotCpuSeconds: dovecot / 1000,
      mailsPerSecond: (mails * 1000) / raw.ms,
      peakRssMb: raw.peakRssMb,
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function runScenario(d: Dovecot, s: Scenario, profileDir: string | null) {
  const folders = {
    source: `${s.name}-relay`,
    imported: `${s.name}-Imported`,
    notImported: `${s.name}-NotImported`,
  };
  const mbsyncFolder = `${s.name}-mbsync`;
  console.log(`\nScenario ${s.name}: seeding ${s.about} …`);
  const { rawBytes } = await seedFolders(d, [mbsyncFolder, folders.source], s.mails, s.make);
  for (const f of [folders.imported, folders.notImported]) await d.createFolder(BENCH_USER, f);
  const password = d.users.find((u) => u.name === BENCH_USER)?.password ?? '';
  const runs: { mbsync: Measured; relay: Measured & { bootRssMb: number }; ratio: number; first: string }[] =
    [];
  let counts: RunCounts | null = null;
  try {
    for (let i = 0; i < REPEATS; i++) {
      const mbsync = () => timedWithDovecot(d, s.mails, () => mbsyncPull(d, mbsyncFolder, s.mails));
      const relay = async () => {
        const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-relay-'));
        try {
          const args: RelayRunArgs = {
            dataDir,
            port: d.imapsPort,
            caCertPath: d.caCertPath,
            user: BENCH_USER,
            password,
            folders,
          };
          const r = await timedWithDovecot(d, s.mails, () => relayRun(args, profileDir));
          counts = await checkRelayRun(d, s, r.raw, dataDir, folders);
          // The folder is the queue: put every mail back for the next repetition (a fresh data
          // directory has no ledger, so they are imported again in full).
          for (const f of [folders.imported, folders.notImported])
            await d.doveadm(['move', '-u', BENCH_USER, folders.source, 'mailbox', f, 'all']);
          return { ...r.measured, bootRssMb: r.raw.bootRssMb };
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      };
      // Alternating who goes first, so a warm or busy moment does not always favour the same tool.
      const relayFirst = i % 2 === 1;
      let m: Measured;
      let r: Measured & { bootRssMb: number };
      if (relayFirst) {
        r = await relay();
        m = (await mbsync()).measured;
      } else {
        m = (await mbsync()).measured;
        r = await relay();
      }
      runs.push({
        mbsync: m,
        relay: r,
        ratio: r.seconds / m.seconds,
        first: relayFirst ? 'relay' : 'mbsync',
      });
      console.log(
        `  run ${i + 1}: mbsync ${m.seconds.toFixed(2)} s, relay ${r.seconds.toFixed(2)} s, relay/mbsync ${(r.seconds / m.seconds).toFixed(2)}`,
      );
    }
  } finally {
    // Scenario B leaves gigabytes behind in Dovecot's maildirs.
    for (const f of [mbsyncFolder, ...Object.values(folders)]) await d.deleteFolder(BENCH_USER, f);
  }
  const ratio = median(runs.map((r) => r.ratio));
  const peak = Math.max(...runs.map((r) => r.relay.peakRssMb));
  const med = (pick: (r: (typeof runs)[number]) => number) => median(runs.map(pick));
  return {
    scenario: s.name,
    about: s.about,
    mails: s.mails,
    rawMb: rawBytes / 1048576,
    counts,
    runs,
    median: {
      mbsync: {
        seconds: med((r) => r.mbsync.seconds),
        cpuSeconds: med((r) => r.mbsync.cpuSeconds),
        dovecotCpuSeconds: med((r) => r.mbsync.dovecotCpuSeconds),
        peakRssMb: med((r) => r.mbsync.peakRssMb),
      },
      relay: {
        seconds: med((r) => r.relay.seconds),
        cpuSeconds: med((r) => r.relay.cpuSeconds),
        dovecotCpuSeconds: med((r) => r.relay.dovecotCpuSeconds),
        peakRssMb: med((r) => r.relay.peakRssMb),
      },
    },
    ratio,
    peakRssMb: peak,
    /** The machine's 1-minute load average at the end: above the core count, the figures are noisy. */
    loadAverage: loadavg()[0] ?? 0,
    goals: s.goals,
    ratioPass: ratio <= s.goals.maxRatio,
    memoryPass: peak <= s.goals.maxPeakMb,
  };
}

type Result = Awaited<ReturnType<typeof runScenario>>;

const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');
const n = (x: number, digits = 1) => x.toFixed(digits).padStart(7);

function print(r: Result) {
  console.log(
    `Scenario ${r.scenario}: ${r.about}, ${r.rawMb.toFixed(0)} MB on the wire (medians of ${r.runs.length} runs)`,
  );
  const line = (name: string, t: Result['median']['mbsync']) =>
    `  ${name} ${n(t.seconds, 2)} s  CPU ${n(t.cpuSeconds, 2)} s  Dovecot CPU ${n(t.dovecotCpuSeconds, 2)} s  peak RSS ${n(t.peakRssMb)} MB`;
  console.log(line('mbsync', r.median.mbsync));
  console.log(line('relay ', r.median.relay));
  console.log(
    `  relay/mbsync time ${r.ratio.toFixed(2)} (median; runs ${r.runs.map((x) => x.ratio.toFixed(2)).join(', ')}; goal ≤ ${r.goals.maxRatio}) ${verdict(r.ratioPass)}`,
  );
  console.log(
    `  relay peak RSS ${r.peakRssMb.toFixed(0)} MB (goal ≤ ${r.goals.maxPeakMb} MB) ${verdict(r.memoryPass)}`,
  );
  if (r.loadAverage > cpus().length)
    console.log(
      `  note: load average ${r.loadAverage.toFixed(1)} on ${cpus().length} cores, other work ran; times are noisy`,
    );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { scenario: { type: 'string', multiple: true }, profile: { type: 'boolean' } },
  });
  const wanted = values.scenario?.map((x) => x.toUpperCase());
  const scenarios = SCENARIOS.filter((s) => !wanted || wanted.includes(s.name));
  const scale = wanted?.includes('SCALE') ?? false;
  const profileDir = values.profile ? await mkdtemp(path.join(tmpdir(), 'bench-profile-')) : null;
  const started = process.hrtime.bigint();
  await ensureTools();
  await buildRelayRun();
  const d = await startDovecot();
  const results: (Result | Awaited<ReturnType<typeof scaleBenchmark>>)[] = [];
  let broken = false;
  try {
    if (scale)
      try {
        results.push(await scaleBenchmark());
      } catch (e) {
        broken = true;
        console.error(`Scenario scale BROKEN: ${e instanceof Error ? e.message : String(e)}`);
      }
    for (const s of scenarios) {
      try {
        const r = await runScenario(d, s, profileDir);
        results.push(r);
        print(r);
      } catch (e) {
        broken = true;
        console.error(`Scenario ${s.name} BROKEN: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    await d.stop();
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mbsyncVersion = (await run('/usr/bin/mbsync', ['--version'])).trim();
  const report = {
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    mbsyncVersion,
    totalSeconds,
    broken,
    results,
  };
  await writeFile(path.join(here, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nTotal ${totalSeconds.toFixed(1)} s; results in test/bench/results.json`);
  if (profileDir) console.log(`CPU profiles of the relay runs: ${profileDir}`);
  return broken ? 1 : 0;
}

process.exitCode = await main();
