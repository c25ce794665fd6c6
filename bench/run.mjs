#!/usr/bin/env node
// `pnpm bench [--quick] [--backend rabbitmq,kafka,memory] [--scenario publish,rr1,...] [--pairs N]
//             [--profile] [--no-write] [--render]`  (--render: rebuild the outputs from latest.meta.json
//             and the scale results, e.g. after `pnpm bench:scale`)
// Runs every scenario against the raw client (A) and Switchboard (B) in fresh child processes,
// alternating A B B A ..., then writes bench/results/latest.{json,md,svg} (+ latest.meta.json),
// with the rows of the scale benchmark's bench/results/scale-<backend>.json files added.
import { fork, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { aggregate } from './lib/aggregate.mjs';
import { BACKENDS, runsFor } from './lib/plan.mjs';
import { Progress, formatDuration } from './lib/progress.mjs';
import { markdown } from './lib/report-md.mjs';
import { svg } from './lib/report-svg.mjs';
import { scaleRows } from './lib/scale-rows.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS = path.join(HERE, 'results');
// Written beside the results; the root .gitignore keeps bench/results/*.cpuprofile out of git.
const PROFILES = RESULTS;
const RUN_TIMEOUT_MS = 240_000;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string' },
    scenario: { type: 'string' },
    pairs: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    render: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 5).join('\n').replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}

const mode = args.quick ? 'quick' : 'full';
const pairs = Number(args.pairs ?? (args.quick ? 2 : 5));
const wanted = args.backend ? args.backend.split(',') : BACKENDS;
const scenarios = args.scenario ? args.scenario.split(',') : undefined;

/** Which brokers answer, using the same probes as the test suites. */
async function brokers() {
  const { brokerStatus } = await import(path.join(ROOT, 'test/brokers/up.mjs'));
  return brokerStatus();
}

const sdkBuilt = (backend) => fs.existsSync(path.join(ROOT, 'packages', backend, 'dist', 'index.js')) && fs.existsSync(path.join(ROOT, 'packages/core/dist/index.js'));

function sh(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function versionOf(pkg) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

/** Waits (up to 3 minutes) for a broker that other test suites restarted to answer again. */
async function brokerBack(backend, progress) {
  if (backend === 'memory') return;
  const deadline = Date.now() + 180_000;
  let said = false;
  while (Date.now() < deadline) {
    const status = await brokers();
    if (status[backend]?.up) return;
    if (!said) progress.log(`  ${backend} is not reachable (${status[backend]?.reason}); waiting for it to come back`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** Pid of the process listening on a local TCP port (the broker), from `ss`; undefined if unknown. */
function listenerPid(port) {
  const out = sh('ss', ['-Hltnp', `sport = :${port}`]);
  return /pid=(\d+)/.exec(out)?.[1];
}

const BROKER_PORTS = { rabbitmq: 5672, kafka: 9092 };

/** Runs one job in a fresh process; resolves with { result } or { error }. */
function runChild(job, progress) {
  return new Promise((resolve) => {
    // Profiles cover the timed interval only (see lib/meter.mjs), not start-up or pre-filling.
    const env = { ...process.env };
    if (args.profile && job.role !== 'warmup' && job.role !== 'parity') {
      env.BENCH_PROFILE_DIR = PROFILES;
      env.BENCH_PROFILE_NAME = `${job.backend}-${job.scenario}-${job.side}-${job.role}${job.pair ?? ''}`;
    }
    // Looked up per run: the test suites restart brokers, so the pid can change during a run.
    const brokerPid = BROKER_PORTS[job.backend] && listenerPid(BROKER_PORTS[job.backend]);
    if (brokerPid) env.BENCH_BROKER_PID = brokerPid;
    const child = fork(path.join(HERE, 'worker.mjs'), [JSON.stringify(job)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
    let stderr = '';
    let outcome;
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    const timer = setTimeout(() => {
      outcome ??= { error: `timed out after ${RUN_TIMEOUT_MS / 1000} s` };
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.on('message', (message) => {
      if (message.type === 'progress') progress.update(message);
      else if (message.type === 'warn') progress.log(`  warning: ${message.message}`);
      else if (message.type === 'result') outcome = { result: message.result };
      else if (message.type === 'error') outcome = { error: message.message };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(outcome ?? { error: `exited with ${signal ?? code} before reporting${stderr ? `:\n${stderr.trim()}` : ''}` });
    });
  });
}

function describe(job) {
  if (job.role === 'parity') return `${job.backend} wire parity check`;
  const who = job.side === 'sdk' ? 'B switchboard' : 'A raw';
  const role =
    job.role === 'warmup' ? 'warm-up' : job.role === 'noise' ? `A/A noise ${job.pair + 1}/2` : job.backend === 'memory' ? `run ${job.pair + 1}` : `pair ${job.pair + 1}`;
  return `${job.backend} ${job.scenario} ${who} (${role})`;
}

function headline(job, result) {
  if (result.p50Us !== undefined) return `p50 ${Math.round(result.p50Us)} µs, p99 ${Math.round(result.p99Us)} µs at ${Math.round(result.rate)}/s, ${result.cpuPerMsgUs.toFixed(1)} µs CPU/msg`;
  if (result.rate !== undefined) return `${Math.round(result.rate).toLocaleString('en-US')}/s, ${result.cpuPerMsgUs.toFixed(1)} µs CPU/msg`;
  return result.summary ?? 'done';
}

/**
 * Samples what else uses the CPU while the benchmark runs (other test suites, builds), so the
 * results can say what they competed with. Broker processes and our own children are expected.
 */
function startLoadSampler() {
  const seen = new Map();
  const loads = [];
  const sample = () => {
    loads.push(os.loadavg()[0]);
    const out = sh('ps', ['-eo', 'pid=,ppid=,pcpu=,args=', '--sort=-pcpu']);
    const brokers = new Set(Object.values(BROKER_PORTS).map((port) => Number(listenerPid(port))));
    for (const line of out.split('\n').slice(0, 8)) {
      const match = /^\s*(\d+)\s+(\d+)\s+([\d.]+)\s+(.*)$/.exec(line);
      if (!match || Number(match[3]) < 5) continue;
      const [, pid, ppid, cpu, command] = match;
      if (Number(pid) === process.pid || Number(ppid) === process.pid || brokers.has(Number(pid)) || /\bps -eo\b/.test(command)) continue;
      const name = command.replace(/\s+/g, ' ').slice(0, 90);
      const entry = seen.get(name) ?? { peak: 0, samples: 0 };
      entry.peak = Math.max(entry.peak, Number(cpu));
      entry.samples++;
      seen.set(name, entry);
    }
  };
  sample();
  const timer = setInterval(sample, 15_000);
  timer.unref();
  return () => {
    clearInterval(timer);
    sample();
    return {
      loadAverage: { min: Math.min(...loads).toFixed(2), max: Math.max(...loads).toFixed(2) },
      samples: loads.length,
      // How often (of `samples`, every 15 s) a process was among the busiest, and its peak %CPU.
      busiest: [...seen].sort((a, b) => b[1].samples - a[1].samples || b[1].peak - a[1].peak).slice(0, 12).map(([command, e]) => ({ command, peakCpuPercent: e.peak, seenInSamples: e.samples })),
    };
  };
}

/** The RabbitMQ server's version as it announces itself, for the record. */
async function rabbitVersion() {
  try {
    const { default: amqp } = await import('amqplib');
    const { RABBIT_URL } = await import('./sides/rabbitmq-raw.mjs');
    const connection = await amqp.connect(RABBIT_URL);
    const version = connection.connection.serverProperties.version;
    await connection.close();
    return version;
  } catch {
    return '?';
  }
}

/** Replaces the block between the RESULTS markers of BENCHMARKS.md with this run's table. */
function updateBenchmarksMd(table) {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8');
  const start = '<!-- RESULTS:START -->';
  const end = '<!-- RESULTS:END -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return;
  const body = table.replace(/^# .*\n\n/, '## Latest full run\n\n').trimEnd();
  const block = `${start}\n${body}\n\n![ratios](bench/results/full.svg)\n${end}`;
  fs.writeFileSync(file, text.slice(0, from) + block + text.slice(to + end.length));
}

/**
 * Writes latest.* (and, for a complete full run, full.* plus the results block of BENCHMARKS.md,
 * so a later --quick run does not replace the documented figures); prints the table.
 */
function writeOutputs(rows, meta) {
  // The scale benchmark runs on its own (`pnpm bench:scale`); its latest written results join these.
  const scale = scaleRows(RESULTS);
  const table = markdown(rows, meta, scale);
  const complete = meta.complete === true && !args['no-write'];
  if (!args['no-write']) {
    fs.mkdirSync(RESULTS, { recursive: true });
    for (const base of complete ? ['latest', 'full'] : ['latest']) {
      fs.writeFileSync(path.join(RESULTS, `${base}.json`), JSON.stringify([...rows, ...scale], null, 2) + '\n');
      fs.writeFileSync(path.join(RESULTS, `${base}.meta.json`), JSON.stringify(meta, null, 2) + '\n');
      fs.writeFileSync(path.join(RESULTS, `${base}.md`), table);
      fs.writeFileSync(path.join(RESULTS, `${base}.svg`), svg(rows, meta, scale));
    }
  }
  if (complete) updateBenchmarksMd(table);
  process.stdout.write(`\n${table}\n`);
  if (!args['no-write']) {
    process.stdout.write(`written: bench/results/latest.json, latest.md, latest.svg, latest.meta.json${complete ? ', the same as full.*, and BENCHMARKS.md' : ''} (${meta.durationText})\n`);
  }
  return rows;
}

/** --render: rebuilds the outputs from the runs recorded in latest.meta.json (after a format change). */
function render() {
  const meta = JSON.parse(fs.readFileSync(path.join(RESULTS, 'latest.meta.json'), 'utf8'));
  meta.complete ??= meta.mode === 'full' && meta.skipped.length === 0;
  const records = meta.runs.map((job) => ({ job, result: job.result, error: job.error }));
  writeOutputs(aggregate(records), meta);
}

async function main() {
  if (args.render) return render();
  const started = Date.now();
  const loadStart = os.loadavg()[0].toFixed(2);
  const stopSampler = startLoadSampler();
  const status = wanted.some((b) => b !== 'memory') ? await brokers() : {};
  const skipped = [];
  const plan = [];
  const parityJobs = [];
  for (const backend of wanted) {
    if (!BACKENDS.includes(backend)) throw new Error(`unknown backend ${backend}; use ${BACKENDS.join(', ')}`);
    if (backend !== 'memory' && !status[backend]?.up) {
      skipped.push(`${backend}: broker not reachable (${status[backend]?.reason ?? 'unknown'}); start it with \`pnpm brokers:up\``);
      continue;
    }
    const sdkReady = sdkBuilt(backend);
    if (!sdkReady) skipped.push(`${backend}: Switchboard side (B) skipped: packages/${backend}/dist is missing — run \`pnpm build\``);
    if (backend === 'memory' && !sdkReady) continue;
    if (backend !== 'memory' && sdkReady) parityJobs.push({ backend, scenario: 'parity', side: 'sdk', role: 'parity' });
    plan.push(...runsFor(backend, mode, { pairs, warmup: !args.quick, sdkReady, scenarios }));
  }
  const jobs = [...parityJobs, ...plan];
  if (args.profile) fs.mkdirSync(PROFILES, { recursive: true });
  const progress = new Progress(jobs.length);
  progress.log(`switchboard bench: ${mode} run, ${jobs.length} child processes, ${pairs} A/B pairs per scenario${args.profile ? ', CPU profiles in bench/results/*.cpuprofile' : ''}`);
  for (const line of skipped) progress.log(`  skipped — ${line}`);

  const records = [];
  const parity = [];
  for (const job of jobs) {
    progress.begin(describe(job));
    let outcome = await runChild(job, progress);
    if (outcome.error !== undefined) {
      // Once: a broker restarted by a test suite on the same machine should not cost the whole row.
      progress.log(`  ${describe(job)} failed, running it again: ${outcome.error.split('\n').slice(0, 6).join('\n  ')}`);
      const first = outcome.error.split('\n')[0];
      await brokerBack(job.backend, progress);
      outcome = await runChild(job, progress);
      outcome.retriedAfter = first;
    }
    if (outcome.error !== undefined) {
      progress.end('FAILED');
      progress.log(`  ${describe(job)} failed again: ${outcome.error.split('\n').slice(0, 6).join('\n  ')}`);
    } else {
      progress.end(headline(job, outcome.result));
    }
    if (job.role === 'parity') {
      if (outcome.result) parity.push(outcome.result);
      else parity.push({ backend: job.backend, ok: false, summary: `check failed: ${outcome.error.split('\n')[0]}` });
      if (outcome.result && !outcome.result.ok) progress.log(`  WARNING: ${job.backend} raw and SDK messages differ: ${outcome.result.summary}`);
    } else if (job.role !== 'warmup') {
      records.push({ job, ...outcome });
    }
  }
  progress.finish();

  const rows = aggregate(records);
  const durationMs = Date.now() - started;
  const meta = {
    mode,
    date: new Date().toISOString(),
    commit: `${sh('git', ['rev-parse', '--short', 'HEAD']) || 'unknown'}${sh('git', ['status', '--porcelain', '--', 'packages']) ? ' (+ uncommitted package changes)' : ''}`,
    durationMs,
    durationText: `${formatDuration(durationMs)} wall`,
    pairs,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? '?', memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.type()} ${os.release()}` },
    node: process.versions.node,
    versions: { kafkajs: versionOf('kafkajs'), amqplib: versionOf('amqplib'), rabbitmq: status.rabbitmq?.up ? await rabbitVersion() : null },
    load: { start: loadStart, end: os.loadavg()[0].toFixed(2), ...stopSampler() },
    skipped,
    parity,
    ...(process.env.BENCH_SDK_OPTIONS && { diagnosticSdkOptions: process.env.BENCH_SDK_OPTIONS }),
    ...(process.env.BENCH_SDK_CHANNEL && { diagnosticSdkChannel: process.env.BENCH_SDK_CHANNEL }),
    ...(process.env.BENCH_RAW_NODELAY === '0' && { rawNagle: true }),
    // A complete full run is what BENCHMARKS.md quotes.
    complete: mode === 'full' && !args.backend && !args.scenario && !args.pairs && skipped.length === 0,
    failures: records.filter((r) => r.error !== undefined).map((r) => ({ run: describe(r.job), error: r.error.split('\n')[0] })),
    retried: records.filter((r) => r.retriedAfter !== undefined).map((r) => ({ run: describe(r.job), firstError: r.retriedAfter })),
    runs: records.map((r) => ({ ...r.job, params: undefined, result: r.result, error: r.error?.split('\n')[0] })),
  };
  const rowsOut = writeOutputs(rows, meta);
  const missed = rowsOut.filter((r) => r.met === false);
  if (missed.length > 0) process.stdout.write(`targets missed: ${missed.map((r) => `${r.backend} ${r.scenario}`).join(', ')}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
