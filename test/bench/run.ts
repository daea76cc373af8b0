/**
 * `npm run bench`: the relay's import speed and memory against mbsync on a real Dovecot (issue 3).
 * Per scenario both tools get an identical folder; the relay must import every mail or the run counts
 * as broken (exit 1). Goals are reported, not enforced: a MISS still exits 0.
 *   --scenario A|B|scale   run only that scenario (repeatable); `scale` (issue 10: 1,000 mailboxes
 *                          on PostgreSQL, 1 relay against 3; scale.ts) runs only when named
 *   --profile        write a V8 CPU profile of each relay run (node --cpu-prof) and print its path
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { run } from '../helpers/dovecot-io.js';
import { ensureTools, mbsyncPull, type MbsyncResult } from './mbsync.js';
import type { RelayRunArgs, RelayRunResult } from './relay-run.js';
import { scaleBenchmark } from './scale.js';
import { BENCH_USER, seedFolders } from './seed.js';

interface Scenario {
  name: string;
  mails: number;
  pdfBytes: number;
  goals: { maxRatio: number; maxPeakMb: number };
}

const SCENARIOS: Scenario[] = [
  { name: 'A', mails: 2000, pdfBytes: 100 * 1024, goals: { maxRatio: 2, maxPeakMb: 200 } },
  { name: 'B', mails: 200, pdfBytes: 10 * 1024 * 1024, goals: { maxRatio: 2, maxPeakMb: 300 } },
];

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
  const facts = {
    status: r.status,
    imported: r.counts.imported,
    notImported: r.counts.notImported,
    leftInSource: await d.messageCount(BENCH_USER, folders.source),
    inImported: await d.messageCount(BENCH_USER, folders.imported),
    outboxMails: outbox.length,
  };
  const want = {
    status: 'completed',
    imported: s.mails,
    notImported: 0,
    leftInSource: 0,
    inImported: s.mails,
    outboxMails: s.mails,
  };
  const wrong = Object.entries(want).filter(([k, v]) => facts[k as keyof typeof facts] !== v);
  if (wrong.length > 0 || r.error)
    throw new Error(
      `broken relay run in scenario ${s.name}: ${JSON.stringify({ ...facts, error: r.error })}`,
    );
}

async function runScenario(d: Dovecot, s: Scenario, profileDir: string | null) {
  const folders = {
    source: `${s.name}-relay`,
    imported: `${s.name}-Imported`,
    notImported: `${s.name}-NotImported`,
  };
  const mbsyncFolder = `${s.name}-mbsync`;
  console.log(
    `\nScenario ${s.name}: seeding ${s.mails} mails with a ${Math.round(s.pdfBytes / 1024)} KB PDF each …`,
  );
  const { rawBytes } = await seedFolders(d, [mbsyncFolder, folders.source], s.mails, s.pdfBytes);
  for (const f of [folders.imported, folders.notImported]) await d.createFolder(BENCH_USER, f);

  const mbsync: MbsyncResult = await mbsyncPull(d, mbsyncFolder, s.mails);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-relay-'));
  try {
    const password = d.users.find((u) => u.name === BENCH_USER)?.password ?? '';
    const args: RelayRunArgs = {
      dataDir,
      port: d.imapsPort,
      caCertPath: d.caCertPath,
      user: BENCH_USER,
      password,
      folders,
    };
    const relay = await relayRun(args, profileDir);
    await checkRelayRun(d, s, relay, dataDir, folders);
    const ratio = relay.ms / mbsync.ms;
    return {
      scenario: s.name,
      mails: s.mails,
      pdfBytes: s.pdfBytes,
      rawMb: rawBytes / 1048576,
      mbsync: {
        seconds: mbsync.ms / 1000,
        cpuSeconds: mbsync.cpuMs / 1000,
        mailsPerSecond: (s.mails * 1000) / mbsync.ms,
        peakRssMb: mbsync.peakRssMb,
      },
      relay: {
        seconds: relay.ms / 1000,
        cpuSeconds: relay.cpuMs / 1000,
        mailsPerSecond: (s.mails * 1000) / relay.ms,
        peakRssMb: relay.peakRssMb,
        bootRssMb: relay.bootRssMb,
        counts: relay.counts,
      },
      ratio,
      /** The machine's 1-minute load average at the end: above the core count, the figures are noisy. */
      loadAverage: loadavg()[0] ?? 0,
      goals: s.goals,
      ratioPass: ratio <= s.goals.maxRatio,
      memoryPass: relay.peakRssMb < s.goals.maxPeakMb,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    // Scenario B leaves gigabytes behind in Dovecot's maildirs.
    for (const f of [mbsyncFolder, ...Object.values(folders)]) await d.deleteFolder(BENCH_USER, f);
  }
}

type Result = Awaited<ReturnType<typeof runScenario>>;

const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');
const n = (x: number, digits = 1) => x.toFixed(digits).padStart(7);

function print(r: Result) {
  console.log(`Scenario ${r.scenario}: ${r.mails} mails, ${r.rawMb.toFixed(0)} MB on the wire`);
  const line = (name: string, t: Result['mbsync']) =>
    `  ${name} ${n(t.seconds, 2)} s ${n(t.mailsPerSecond)} mails/s  CPU ${n(t.cpuSeconds, 2)} s  peak RSS ${n(t.peakRssMb)} MB`;
  console.log(line('mbsync', r.mbsync));
  console.log(`${line('relay ', r.relay)} (${r.relay.bootRssMb.toFixed(0)} MB after boot)`);
  console.log(
    `  relay/mbsync time ${r.ratio.toFixed(2)} (goal ≤ ${r.goals.maxRatio}) ${verdict(r.ratioPass)}`,
  );
  console.log(
    `  relay peak RSS ${r.relay.peakRssMb.toFixed(0)} MB (goal < ${r.goals.maxPeakMb} MB) ${verdict(r.memoryPass)}`,
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
