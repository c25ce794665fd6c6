#!/usr/bin/env node
// Single-node KRaft Kafka 3.9 for integration tests, assembled from Maven Central jars.
// Usage: node test/brokers/kafka.mjs up|down|status|kill
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POM = path.join(HERE, 'kafka', 'pom.xml');
const HOST = '127.0.0.1';
const PORT = 9092;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

const CACHE = process.env.SWITCHBOARD_CACHE || path.join(os.homedir(), '.cache', 'switchboard');
const DIR = path.join(CACHE, 'kafka-3.9');
export const kafkaPaths = {
  dir: DIR,
  libs: path.join(DIR, 'libs'),
  data: path.join(DIR, 'data'),
  logs: path.join(DIR, 'logs'),
  serverLog: path.join(DIR, 'logs', 'server.log'),
  props: path.join(DIR, 'server.properties'),
  pid: path.join(DIR, 'kafka.pid'),
};
const P = kafkaPaths;
const LIBS_MARKER = path.join(P.libs, '.complete');
const CLUSTER_ID = path.join(DIR, 'cluster.id');
const LOCK = path.join(DIR, '.lock');
const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
const CLASSPATH = path.join(P.libs, '*'); // expanded by java itself, not a shell
const LOG4J = ['-Dlog4j.configuration=' + pathToFileURL(path.join(HERE, 'kafka', 'log4j.properties')), '-Dkafka.logs.dir=' + P.logs];

const defaultLog = (msg) => console.log(`[brokers] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to completion; rejects with its output tail on failure. */
function run(cmd, args, { timeoutMs = 120_000, logFile } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // own timer: spawn's `timeout` option keeps the event loop alive after ENOENT
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new Error(`${cmd} not found on PATH`) : e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (logFile) fs.writeFileSync(logFile, out);
      if (code === 0) return resolve(out);
      const tail = out.trim().split('\n').slice(-25).join('\n');
      reject(new Error(`${cmd} ${args.slice(-3).join(' ')} failed (${signal ?? 'exit ' + code})` + (logFile ? ` — see ${logFile}` : '') + `\n${tail}`));
    });
  });
}

/**
 * Readiness probe: a Metadata v4 request must list at least one broker. Unlike a bare
 * TCP/ApiVersions check this only passes once the broker is registered and unfenced.
 */
export function kafkaProbe({ timeoutMs = 2000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port: PORT });
    let buf = Buffer.alloc(0);
    const done = (ok, reason) => { sock.destroy(); resolve({ ok, reason }); };
    sock.setTimeout(timeoutMs, () => done(false, `no Metadata response from ${HOST}:${PORT} within ${timeoutMs} ms`));
    sock.on('error', (e) => done(false, `${HOST}:${PORT}: ${e.code || e.message}`));
    sock.on('close', () => done(false, `${HOST}:${PORT} closed the connection`));
    sock.on('connect', () => {
      const clientId = Buffer.from('switchboard-probe');
      // header: api_key=3 (Metadata), api_version=4, correlation_id, client_id; body: topics=[] , allow_auto_create=false
      const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
      let o = body.writeInt16BE(3, 0);
      o = body.writeInt16BE(4, o);
      o = body.writeInt32BE(42, o);
      o = body.writeInt16BE(clientId.length, o);
      o += clientId.copy(body, o);
      o = body.writeInt32BE(0, o);
      body.writeInt8(0, o);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      sock.write(Buffer.concat([size, body]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 16) return; // size, correlation_id, throttle_time_ms, brokers count
      if (buf.readInt32BE(4) !== 42) return done(false, `unexpected reply on ${HOST}:${PORT} (not Kafka?)`);
      const brokers = buf.readInt32BE(12);
      done(brokers > 0, brokers > 0 ? null : 'broker reachable but not registered yet');
    });
  });
}

/** Pid of our broker if it is alive (zombies and recycled pids do not count). */
function brokerPid() {
  try {
    const pid = Number(fs.readFileSync(P.pid, 'utf8').trim());
    if (!fs.existsSync('/proc')) return process.kill(pid, 0) && pid; // macOS: no pid-reuse check
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('kafka.Kafka') ? pid : null;
  } catch {
    return null;
  }
}

async function waitGone(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (brokerPid() !== pid) return true;
    await sleep(100);
  }
  return false;
}

/** Serialises concurrent `up`s (e.g. several test workers) on one cache dir. */
async function withLock(fn) {
  fs.mkdirSync(DIR, { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(LOCK, 'utf8') || 0);
      let alive = false;
      try { process.kill(owner, 0); alive = true; } catch (err) { alive = err.code === 'EPERM'; }
      if (!alive || owner === process.pid) fs.rmSync(LOCK, { force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${LOCK} (pid ${owner})`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

async function ensureLibs(log) {
  const want = createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  if (fs.existsSync(LIBS_MARKER) && fs.readFileSync(LIBS_MARKER, 'utf8') === want) return;
  log(`fetching Kafka jars from Maven Central into ${P.libs} ...`);
  const t0 = Date.now();
  fs.rmSync(P.libs, { recursive: true, force: true }); // never reuse a half copy or a stale pom's jars
  await run('mvn', ['-q', '-B', '-f', POM, 'package', `-Dkafka.libs.dir=${P.libs}`], {
    timeoutMs: 10 * 60_000,
    logFile: path.join(DIR, 'mvn.log'),
  }).catch((e) => {
    throw new Error(`could not fetch Kafka jars (needs Maven + Maven Central once): ${e.message}`);
  });
  fs.writeFileSync(LIBS_MARKER, want);
  log(`jars ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

async function ensureFormatted(log) {
  const template = fs.readFileSync(path.join(HERE, 'kafka', 'server.properties'), 'utf8');
  fs.writeFileSync(P.props, template.replaceAll('@DATA_DIR@', P.data));
  if (fs.existsSync(path.join(P.data, 'meta.properties'))) return;
  const java = (main, ...args) => run(JAVA, ['-cp', CLASSPATH, ...LOG4J, main, ...args], { timeoutMs: 60_000 });
  let clusterId = fs.existsSync(CLUSTER_ID) ? fs.readFileSync(CLUSTER_ID, 'utf8').trim() : '';
  if (!clusterId) {
    clusterId = (await java('kafka.tools.StorageTool', 'random-uuid')).trim().split('\n').pop();
    fs.writeFileSync(CLUSTER_ID, clusterId);
  }
  log(`formatting ${P.data} (cluster id ${clusterId})`);
  await java('kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', P.props, '--ignore-formatted');
}

function logSize() {
  try { return fs.statSync(P.serverLog).size; } catch { return 0; }
}

function logSince(offset) {
  try {
    const fd = fs.openSync(P.serverLog, 'r');
    const size = fs.fstatSync(fd).size;
    const from = size < offset ? 0 : offset; // the appender rolled the file meanwhile
    const buf = Buffer.alloc(size - from);
    fs.readSync(fd, buf, 0, buf.length, from);
    fs.closeSync(fd);
    return buf.toString('utf8');
  } catch {
    return '';
  }
}

function startBroker() {
  fs.mkdirSync(P.logs, { recursive: true });
  const out = fs.openSync(path.join(P.logs, 'kafka.out'), 'a');
  const heap = (process.env.KAFKA_HEAP_OPTS || '-Xms512m -Xmx512m').split(/\s+/).filter(Boolean);
  const child = spawn(
    JAVA,
    [...heap, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
      ...LOG4J, '-cp', CLASSPATH, 'kafka.Kafka', P.props],
    { detached: true, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  child.on('error', () => {}); // reported via the missing pid below
  if (!child.pid) throw new Error(`could not run ${JAVA} (is a JDK 11+ installed?)`);
  child.unref();
  fs.writeFileSync(P.pid, String(child.pid));
  return child.pid;
}

async function waitReady(pid, logOffset) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!pid || brokerPid() !== pid) {
      const tail = (logSince(logOffset) || fs.readFileSync(path.join(P.logs, 'kafka.out'), 'utf8'))
        .trim().split('\n').filter((l) => /ERROR|FATAL|Exception|rror:/.test(l)).slice(-8).join('\n');
      throw new Error(`Kafka exited before becoming ready (see ${P.serverLog})\n${tail}`);
    }
    const started = logOffset == null || logSince(logOffset).includes('Kafka Server started');
    if (started && (await kafkaProbe()).ok) return;
    await sleep(250);
  }
  throw new Error(`Kafka not ready after ${START_TIMEOUT_MS / 1000} s (pid ${pid}, see ${P.serverLog})`);
}

/** Ensures a broker answers on 127.0.0.1:9092, starting one if needed. */
export async function kafkaUp({ log = defaultLog } = {}) {
  if ((await kafkaProbe()).ok) return log(`kafka already up on ${HOST}:${PORT}`);
  await withLock(async () => {
    if ((await kafkaProbe()).ok) return log(`kafka already up on ${HOST}:${PORT}`);
    const t0 = Date.now();
    const running = brokerPid();
    if (running) {
      log(`kafka pid ${running} is still starting; waiting`);
      await waitReady(running, null);
    } else {
      await ensureLibs(log);
      await ensureFormatted(log);
      const offset = logSize();
      const pid = startBroker();
      log(`starting kafka (pid ${pid}), log ${P.serverLog}`);
      await waitReady(pid, offset);
    }
    log(`kafka up on ${HOST}:${PORT} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
}

/** Graceful stop (SIGTERM, SIGKILL after 30 s). Only stops a broker this module started. */
export async function kafkaDown({ log = defaultLog } = {}) {
  const pid = brokerPid();
  if (!pid) {
    fs.rmSync(P.pid, { force: true });
    return log((await kafkaProbe()).ok ? `kafka on ${HOST}:${PORT} was not started by us; leaving it` : 'kafka not running');
  }
  process.kill(pid, 'SIGTERM');
  if (!(await waitGone(pid, STOP_TIMEOUT_MS))) {
    log(`kafka pid ${pid} ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s; killing`);
    process.kill(pid, 'SIGKILL');
    await waitGone(pid, 5000);
  }
  fs.rmSync(P.pid, { force: true });
  log(`kafka stopped (pid ${pid})`);
}

/** Simulates a crash: SIGKILL, no clean shutdown. `kafkaUp()` recovers on the same data dir. */
export async function kafkaKill({ log = defaultLog } = {}) {
  const pid = brokerPid();
  if (!pid) return log('kafka not running (nothing to kill)');
  process.kill(pid, 'SIGKILL');
  await waitGone(pid, 5000);
  fs.rmSync(P.pid, { force: true });
  log(`kafka killed (pid ${pid})`);
}

export async function kafkaStatus() {
  const probe = await kafkaProbe();
  return { up: probe.ok, reason: probe.reason, pid: brokerPid(), dir: DIR };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const cmd = process.argv[2];
  const actions = { up: kafkaUp, down: kafkaDown, kill: kafkaKill, status: async () => console.log(await kafkaStatus()) };
  if (!actions[cmd]) {
    console.error('usage: node test/brokers/kafka.mjs up|down|status|kill');
    process.exit(2);
  }
  actions[cmd]().catch((e) => {
    console.error(`[brokers] kafka ${cmd} failed: ${e.message}`);
    process.exit(1);
  });
}
