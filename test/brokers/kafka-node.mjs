// One KRaft Kafka node (broker + controller) assembled from Maven Central jars: the single test
// broker (kafka.mjs) and each member of the test cluster (kafka-cluster.mjs) are instances of it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

export const CACHE = process.env.SWITCHBOARD_CACHE || path.join(os.homedir(), '.cache', 'switchboard');
const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

/**
 * Kafka lines the scripts can run. 4.x is KRaft-only and logs through log4j2 (3.x: reload4j), so
 * each line has its own pom and logging configuration.
 */
export const KAFKA_VERSIONS = {
  '3.9': { pom: path.join(HERE, 'kafka', 'pom.xml'), log: (logs) => ['-Dlog4j.configuration=' + pathToFileURL(path.join(HERE, 'kafka', 'log4j.properties')), '-Dkafka.logs.dir=' + logs] },
  '4.1': { pom: path.join(HERE, 'kafka', 'pom-4.1.xml'), log: (logs) => ['-Dlog4j2.configurationFile=' + pathToFileURL(path.join(HERE, 'kafka', 'log4j2.properties')), '-Dkafka.logs.dir=' + logs] },
};

export const defaultLog = (msg) => console.log(`[brokers] ${msg}`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to completion; rejects with its output tail on failure. */
export function run(cmd, args, { timeoutMs = 120_000, logFile } = {}) {
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
 * Readiness probe: a Metadata v4 request (still served by Kafka 4.x, which dropped v0-v3) must
 * list at least `minBrokers` brokers, and broker `nodeId` among them when given. Unlike a bare TCP/ApiVersions check this only passes once
 * the broker is registered and unfenced.
 */
export function kafkaMetadataProbe({ port, minBrokers = 1, nodeId, timeoutMs = 2000 }) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    const done = (ok, reason, brokers = 0, ids = []) => { sock.destroy(); resolve({ ok, reason, brokers, ids }); };
    sock.setTimeout(timeoutMs, () => done(false, `no Metadata response from ${HOST}:${port} within ${timeoutMs} ms`));
    sock.on('error', (e) => done(false, `${HOST}:${port}: ${e.code || e.message}`));
    sock.on('close', () => done(false, `${HOST}:${port} closed the connection`));
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
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return; // the whole response
      if (buf.readInt32BE(4) !== 42) return done(false, `unexpected reply on ${HOST}:${port} (not Kafka?)`);
      // throttle_time_ms, then brokers: [node_id int32, host string, port int32, rack nullable string]
      const count = buf.readInt32BE(12);
      const ids = [];
      let o = 16;
      for (let i = 0; i < count; i++) {
        ids.push(buf.readInt32BE(o));
        o += 4;
        o += 2 + buf.readInt16BE(o);
        o += 4;
        const rack = buf.readInt16BE(o);
        o += 2 + Math.max(rack, 0);
      }
      const enough = count >= minBrokers && (nodeId === undefined || ids.includes(nodeId));
      const reason = count < minBrokers ? `broker reachable but ${count} of ${minBrokers} brokers registered` : `node ${nodeId} not registered yet`;
      done(enough, enough ? null : reason, count, ids);
    });
  });
}

/** Serialises concurrent `up`s (e.g. several test workers) on one directory. */
export async function withLock(dir, fn, name = '.lock') {
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, name);
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(lock, 'utf8') || 0);
      let alive = false;
      try { process.kill(owner, 0); alive = true; } catch (err) { alive = err.code === 'EPERM'; }
      if (!alive || owner === process.pid) fs.rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (pid ${owner})`);
      else await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Where a Kafka line's jars live; fetched once per pom (a changed pom fetches afresh). */
export function libsDir(version) {
  return path.join(CACHE, `kafka-${version}`, 'libs');
}

export async function ensureLibs(version, log = defaultLog) {
  const line = KAFKA_VERSIONS[version];
  if (!line) throw new Error(`unknown Kafka version ${version} (known: ${Object.keys(KAFKA_VERSIONS).join(', ')})`);
  const libs = libsDir(version);
  const marker = path.join(libs, '.complete');
  const want = createHash('sha256').update(fs.readFileSync(line.pom)).digest('hex');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === want) return libs;
  await withLock(path.dirname(libs), async () => {
    if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === want) return;
    log(`fetching Kafka ${version} jars from Maven Central into ${libs} ...`);
    const t0 = Date.now();
    fs.rmSync(libs, { recursive: true, force: true }); // never reuse a half copy or a stale pom's jars
    await run('mvn', ['-q', '-B', '-f', line.pom, 'package', `-Dkafka.libs.dir=${libs}`], {
      timeoutMs: 10 * 60_000,
      logFile: path.join(path.dirname(libs), 'mvn.log'),
    }).catch((e) => {
      throw new Error(`could not fetch Kafka jars (needs Maven + Maven Central once): ${e.message}`);
    });
    fs.writeFileSync(marker, want);
    log(`jars ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, '.libs.lock');
  return libs;
}

/**
 * A KRaft node. `dir` holds its data, logs, properties and pid; `clusterIdFile` is shared by the
 * members of one cluster. `overrides` are appended to the properties (later keys win).
 */
export function createKafkaNode({ version = '3.9', nodeId = 1, port, controllerPort, voters, dir, clusterIdFile, overrides = {}, heap, label = `kafka ${version}` }) {
  const line = KAFKA_VERSIONS[version];
  if (!line) throw new Error(`unknown Kafka version ${version}`);
  const paths = {
    dir,
    libs: libsDir(version),
    data: path.join(dir, 'data'),
    logs: path.join(dir, 'logs'),
    serverLog: path.join(dir, 'logs', 'server.log'),
    props: path.join(dir, 'server.properties'),
    pid: path.join(dir, 'kafka.pid'),
  };
  const P = paths;
  const classpath = path.join(P.libs, '*'); // expanded by java itself, not a shell
  const logging = line.log(P.logs);
  const where = `${label} on ${HOST}:${port}`;

  const probe = (options = {}) => kafkaMetadataProbe({ port, ...options });

  /** Pid of this node if it is alive (zombies and recycled pids do not count). */
  function pid() {
    try {
      const value = Number(fs.readFileSync(P.pid, 'utf8').trim());
      if (!fs.existsSync('/proc')) return process.kill(value, 0) && value; // macOS: no pid-reuse check
      const cmdline = fs.readFileSync(`/proc/${value}/cmdline`, 'utf8');
      return cmdline.includes('kafka.Kafka') && cmdline.includes(P.props) ? value : null;
    } catch {
      return null;
    }
  }

  async function waitGone(value, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pid() !== value) return true;
      await sleep(100);
    }
    return false;
  }

  async function ensureFormatted(log) {
    const template = fs.readFileSync(path.join(HERE, 'kafka', 'server.properties'), 'utf8');
    const props = template
      .replaceAll('@DATA_DIR@', P.data)
      .replaceAll('@NODE_ID@', String(nodeId))
      .replaceAll('@PORT@', String(port))
      .replaceAll('@CONTROLLER_PORT@', String(controllerPort))
      .replaceAll('@VOTERS@', voters ?? `${nodeId}@${HOST}:${controllerPort}`);
    const extra = Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join('\n');
    fs.writeFileSync(P.props, extra ? `${props}\n# overrides\n${extra}\n` : props);
    if (fs.existsSync(path.join(P.data, 'meta.properties'))) return;
    const java = (main, ...args) => run(JAVA, ['-cp', classpath, ...logging, main, ...args], { timeoutMs: 60_000 });
    let clusterId = fs.existsSync(clusterIdFile) ? fs.readFileSync(clusterIdFile, 'utf8').trim() : '';
    if (!clusterId) {
      clusterId = (await java('kafka.tools.StorageTool', 'random-uuid')).trim().split('\n').pop();
      fs.writeFileSync(clusterIdFile, clusterId);
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

  function startProcess() {
    fs.mkdirSync(P.logs, { recursive: true });
    const out = fs.openSync(path.join(P.logs, 'kafka.out'), 'a');
    const heapArgs = (heap || process.env.KAFKA_HEAP_OPTS || '-Xms512m -Xmx512m').split(/\s+/).filter(Boolean);
    const child = spawn(
      JAVA,
      [...heapArgs, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
        ...logging, '-cp', classpath, 'kafka.Kafka', P.props],
      { detached: true, stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    child.on('error', () => {}); // reported via the missing pid below
    if (!child.pid) throw new Error(`could not run ${JAVA} (is a JDK 17+ installed?)`);
    child.unref();
    fs.writeFileSync(P.pid, String(child.pid));
    return child.pid;
  }

  /** What a slow start was doing last: loading logs (n/m partitions) or a lifecycle step. */
  function startupProgress(logOffset) {
    const lines = logSince(logOffset ?? 0).split('\n');
    const loading = lines.findLast((l) => /completed in /.test(l))?.match(/\((\d+\/\d+) completed in/)?.[1];
    const step = lines.findLast((l) => /Transitioning from|Loaded \d+ logs/.test(l))?.replace(/^.*?\] (INFO|WARN) /, '');
    return [loading && `; loading logs: ${loading} partitions`, step && `; last step: ${step.trim()}`].filter(Boolean).join('');
  }

  /** Started = the node logged its start; `ready` decides when it serves (default: it answers Metadata). */
  async function waitReady(value, logOffset, ready) {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!value || pid() !== value) {
        let out = '';
        try { out = fs.readFileSync(path.join(P.logs, 'kafka.out'), 'utf8'); } catch {}
        const tail = (logSince(logOffset) || out)
          .trim().split('\n').filter((l) => /ERROR|FATAL|Exception|rror:/.test(l)).slice(-8).join('\n');
        throw new Error(`${label} exited before becoming ready (see ${P.serverLog})\n${tail}`);
      }
      const started = logOffset == null || /Kafka ?Server started/.test(logSince(logOffset));
      if (started && (await ready())) return;
      await sleep(250);
    }
    throw new Error(`${label} not ready after ${START_TIMEOUT_MS / 1000} s (pid ${value}, see ${P.serverLog})${startupProgress(logOffset)}`);
  }

  /**
   * Ensures the node answers, starting it if needed. `ready` (default: Metadata lists a broker)
   * lets a cluster wait for its own condition; `wait: false` returns once the process runs.
   * `fresh`: a node that is not running starts on an empty data dir (what a previous run left is
   * deleted, so a later crash-restart loads this run's partitions only, not every run's before).
   */
  async function up({ log = defaultLog, ready = async () => (await probe()).ok, wait = true, fresh = false } = {}) {
    if (pid() === null && (await probe()).ok) return log(`${where} already up (not started by this script)`);
    await withLock(dir, async () => {
      const t0 = Date.now();
      const running = pid();
      if (running) {
        if (!wait) return;
        if (await ready()) return log(`${where} already up`);
        log(`${label} pid ${running} is still starting; waiting`);
        await waitReady(running, null, ready);
      } else {
        await ensureLibs(version, log);
        if (fresh && fs.existsSync(P.data)) {
          log(`deleting what earlier runs left in ${P.data}`);
          fs.rmSync(P.data, { recursive: true, force: true });
        }
        await ensureFormatted(log);
        const offset = logSize();
        const started = startProcess();
        log(`starting ${label} (pid ${started}), log ${P.serverLog}`);
        if (!wait) return;
        await waitReady(started, offset, ready);
      }
      log(`${where} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });
  }

  /** Waits until a node started with `wait: false` is ready. */
  async function ready({ ready: condition = async () => (await probe()).ok } = {}) {
    await waitReady(pid(), null, condition);
  }

  /** Graceful stop (SIGTERM, SIGKILL after 30 s). Only stops a node this script started. */
  async function down({ log = defaultLog } = {}) {
    const value = pid();
    if (!value) {
      fs.rmSync(P.pid, { force: true });
      return log((await probe()).ok ? `${where} was not started by us; leaving it` : `${label} not running`);
    }
    process.kill(value, 'SIGTERM');
    if (!(await waitGone(value, STOP_TIMEOUT_MS))) {
      log(`${label} pid ${value} ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s; killing`);
      process.kill(value, 'SIGKILL');
      await waitGone(value, 5000);
    }
    fs.rmSync(P.pid, { force: true });
    log(`${label} stopped (pid ${value})`);
  }

  /** Simulates a crash: SIGKILL, no clean shutdown. `up()` recovers on the same data dir. */
  async function kill({ log = defaultLog } = {}) {
    const value = pid();
    if (!value) return log(`${label} not running (nothing to kill)`);
    process.kill(value, 'SIGKILL');
    await waitGone(value, 5000);
    fs.rmSync(P.pid, { force: true });
    log(`${label} killed (pid ${value})`);
  }

  async function status() {
    const result = await probe();
    return { up: result.ok, reason: result.reason, pid: pid(), dir };
  }

  return { nodeId, port, version, label, paths, probe, pid, up, ready, down, kill, status };
}
