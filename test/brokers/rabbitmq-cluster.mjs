#!/usr/bin/env node
// A 3-node RabbitMQ cluster on this machine for the failover tests, from the system install
// (no Docker). Each node has its own name, ports, data and log dirs, config and Erlang cookie;
// the system RabbitMQ (rabbit@localhost on 5672) is never touched: other node names, AMQP ports
// 5681-5683, Erlang distribution ports 25691-25693, CLI distribution ports 35691-35710.
// Usage: node test/brokers/rabbitmq-cluster.mjs up|down|status
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const CACHE = process.env.SWITCHBOARD_CACHE || path.join(os.homedir(), '.cache', 'switchboard');
const BASE = path.join(CACHE, 'rabbitmq-cluster');
const START_TIMEOUT_S = 120;
/** The server scripts themselves: /usr/sbin's wrappers would switch to the rabbitmq user and its cookie. */
const SBIN_DIRS = ['/usr/lib/rabbitmq/bin', '/usr/local/lib/rabbitmq/bin', '/opt/homebrew/sbin', '/usr/local/sbin'];

export const CLUSTER_NODES = [1, 2, 3].map((n) => ({
  index: n - 1,
  name: `switchboard-${n}@localhost`,
  port: 5680 + n,
  distPort: 25690 + n,
  dir: path.join(BASE, `node-${n}`),
}));

/** amqp:// URL listing every node, first node first (a client tries them in order). */
export const clusterUrl = (order = CLUSTER_NODES) => `amqp://guest:guest@${order.map((node) => `${HOST}:${node.port}`).join(',')}`;

const defaultLog = (msg) => console.log(`[brokers] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function script(name) {
  for (const dir of SBIN_DIRS) {
    const file = path.join(dir, name);
    try { fs.accessSync(file, fs.constants.X_OK); return file; } catch {}
  }
  return null;
}

/** Environment of a node and of the CLI talking to it: everything points into the node's own dir. */
function nodeEnv(node) {
  return {
    ...process.env,
    HOME: BASE, // the cluster's own Erlang cookie, BASE/.erlang.cookie
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_IP_ADDRESS: HOST,
    RABBITMQ_NODE_PORT: String(node.port),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_CTL_DIST_PORT_MIN: '35691',
    RABBITMQ_CTL_DIST_PORT_MAX: '35710',
    RABBITMQ_MNESIA_BASE: path.join(node.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(node.dir, 'log'),
    RABBITMQ_PID_FILE: path.join(node.dir, 'rabbitmq.pid'),
    RABBITMQ_CONFIG_FILE: path.join(node.dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(node.dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: path.join(BASE, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(BASE, 'enabled_plugins'),
    ERL_EPMD_ADDRESS: HOST,
    // Distribution on loopback only, like the system node.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
}

function run(cmd, args, { env, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new Error(`${cmd} not found`) : e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(out);
      const tail = out.trim().split('\n').slice(-12).join('\n');
      reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed (${signal ?? 'exit ' + code})\n${tail}`));
    });
  });
}

/** Runs rabbitmqctl (or rabbitmq-queues / rabbitmq-diagnostics) against one cluster node. */
export function clusterCtl(node, args, { tool = 'rabbitmqctl', timeoutMs = 60_000 } = {}) {
  const file = script(tool);
  if (!file) return Promise.reject(new Error(`${tool} not found (install rabbitmq-server)`));
  return run(file, ['-q', '-n', node.name, ...args], { env: nodeEnv(node), timeoutMs });
}

/** The node answers AMQP 0-9-1 on its port. */
export function nodeProbe(node, { timeoutMs = 2000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port: node.port });
    const done = (ok) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
    sock.on('connect', () => sock.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    sock.once('data', (d) => done(d[0] === 1));
  });
}

/** OS pid of the node's Erlang VM when it runs (zombies and recycled pids do not count). */
export function nodePid(node) {
  try {
    const pid = Number(fs.readFileSync(path.join(node.dir, 'rabbitmq.pid'), 'utf8').trim());
    if (!pid) return null;
    if (!fs.existsSync('/proc')) return process.kill(pid, 0) && pid;
    // The node name is not on the VM's command line, but in the environment the script gave it.
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return cmdline.includes('beam') && environ.includes(`RABBITMQ_NODENAME=${node.name}`) ? pid : null;
  } catch {
    return null;
  }
}

function writeFiles(node) {
  fs.mkdirSync(node.dir, { recursive: true });
  fs.writeFileSync(
    path.join(node.dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = ${HOST}:${node.port}`,
      // Three nodes share this machine with the system node and the test suites.
      'vm_memory_high_watermark.absolute = 1GB',
      'disk_free_limit.absolute = 50MB',
      'log.file.level = info',
      'log.console = false',
      '',
    ].join('\n'),
  );
}

function writeClusterFiles() {
  fs.mkdirSync(BASE, { recursive: true });
  const cookie = path.join(BASE, '.erlang.cookie');
  if (!fs.existsSync(cookie)) {
    fs.writeFileSync(cookie, `SWITCHBOARDTESTCLUSTER${Math.random().toString(36).slice(2).toUpperCase()}`, { mode: 0o400 });
  }
  fs.writeFileSync(path.join(BASE, 'enabled_plugins'), '[].\n');
  fs.writeFileSync(path.join(BASE, 'rabbitmq-env.conf'), '# empty: every setting comes from the environment\n');
}

/** Starts one node's VM (foreground script, detached from us); resolves once it is booted. */
export async function startNode(node, { log = defaultLog } = {}) {
  if (nodePid(node) && (await nodeProbe(node))) return;
  const server = script('rabbitmq-server');
  if (!server) throw new Error('rabbitmq-server is not installed (apt-get install rabbitmq-server)');
  writeClusterFiles();
  writeFiles(node);
  fs.rmSync(path.join(node.dir, 'rabbitmq.pid'), { force: true });
  const out = fs.openSync(path.join(node.dir, 'startup.log'), 'a');
  const child = spawn(server, [], { env: nodeEnv(node), detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.on('error', () => {});
  child.unref();
  log(`starting ${node.name} on ${HOST}:${node.port}`);
  await awaitNode(node);
}

/** Waits until the node has booted and serves AMQP (a clustered node first syncs with its peers). */
export async function awaitNode(node) {
  const deadline = Date.now() + START_TIMEOUT_S * 1000;
  // The pid file appears early in boot; before it, await_startup has nothing to wait on.
  while (!nodePid(node)) {
    if (Date.now() > deadline) throw new Error(`${node.name} did not start (see ${path.join(node.dir, 'startup.log')} and ${path.join(node.dir, 'log')})`);
    await sleep(200);
  }
  await clusterCtl(node, ['-t', String(START_TIMEOUT_S), 'await_startup'], { timeoutMs: (START_TIMEOUT_S + 10) * 1000 });
  while (!(await nodeProbe(node))) {
    if (Date.now() > deadline) throw new Error(`${node.name} booted but does not accept AMQP on ${node.port}`);
    await sleep(200);
  }
}

/** Crash: SIGKILL to the Erlang VM, no clean shutdown. */
export async function killNode(node, { log = defaultLog } = {}) {
  const pid = nodePid(node);
  if (!pid) return log(`${node.name} not running (nothing to kill)`);
  process.kill(pid, 'SIGKILL');
  await waitGone(node, pid, 10_000);
  log(`${node.name} killed (pid ${pid})`);
}

/** Graceful stop: the node hands its quorum queue leaderships over and leaves the cluster running. */
export async function stopNode(node, { log = defaultLog } = {}) {
  const pid = nodePid(node);
  if (!pid) return;
  await clusterCtl(node, ['stop'], { timeoutMs: 90_000 }).catch(() => process.kill(pid, 'SIGTERM'));
  if (!(await waitGone(node, pid, 60_000))) {
    log(`${node.name} did not stop in 60 s; killing`);
    process.kill(pid, 'SIGKILL');
    await waitGone(node, pid, 10_000);
  }
  log(`${node.name} stopped`);
}

async function waitGone(node, pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (nodePid(node) !== pid) return true;
    await sleep(100);
  }
  return false;
}

/** Nodes the cluster reports as running, asked of `via`. */
export async function runningNodes(via) {
  const out = await clusterCtl(via, ['cluster_status', '--formatter', 'json']);
  const status = JSON.parse(out.slice(out.indexOf('{')));
  return status.running_nodes ?? [];
}

/** Waits until every node is a running member of one cluster. */
async function awaitCluster(timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = await runningNodes(CLUSTER_NODES[0]).catch(() => []);
    if (CLUSTER_NODES.every((node) => running.includes(node.name))) return;
    if (Date.now() > deadline) throw new Error(`cluster not formed: running nodes ${JSON.stringify(running)}`);
    await sleep(250);
  }
}

/** Makes `node` a member of the first node's cluster: reset (it holds nothing worth keeping) and join. */
async function joinFirst(node, log) {
  await clusterCtl(node, ['stop_app']);
  await clusterCtl(node, ['reset']);
  await clusterCtl(node, ['join_cluster', CLUSTER_NODES[0].name]);
  await clusterCtl(node, ['start_app'], { timeoutMs: START_TIMEOUT_S * 1000 });
  await awaitNode(node);
  log(`${node.name} joined ${CLUSTER_NODES[0].name}`);
}

/**
 * Starts the cluster. From cold (no node running) the data dirs are wiped, so every run starts
 * from the same fresh cluster: the first node boots, the others boot and `join_cluster` it.
 * Nodes left running by an earlier `up` are kept; missing ones start on their data, and a node
 * that is not a member (a half-finished earlier `up`) is reset and joined.
 */
export async function rabbitClusterUp({ log = defaultLog } = {}) {
  const t0 = Date.now();
  if (CLUSTER_NODES.every((node) => !nodePid(node))) fs.rmSync(BASE, { recursive: true, force: true });
  await startNode(CLUSTER_NODES[0], { log });
  await Promise.all(CLUSTER_NODES.slice(1).map((node) => startNode(node, { log })));
  const members = await runningNodes(CLUSTER_NODES[0]);
  for (const node of CLUSTER_NODES.slice(1)) {
    if (!members.includes(node.name)) await joinFirst(node, log);
  }
  await awaitCluster();
  log(`rabbitmq cluster up (${CLUSTER_NODES.map((n) => n.port).join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Stops every node of the cluster (never the system node). */
export async function rabbitClusterDown({ log = defaultLog } = {}) {
  // Reverse order: the last node to stop is the first to start next time, as RabbitMQ advises.
  for (const node of [...CLUSTER_NODES].reverse()) await stopNode(node, { log });
  log('rabbitmq cluster stopped');
}

export async function rabbitClusterStatus() {
  const nodes = await Promise.all(CLUSTER_NODES.map(async (node) => ({ name: node.name, port: node.port, pid: nodePid(node), amqp: await nodeProbe(node) })));
  const up = nodes.every((node) => node.amqp);
  return { up, reason: up ? null : `nodes not serving: ${nodes.filter((n) => !n.amqp).map((n) => n.name).join(', ')}`, nodes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const cmd = process.argv[2];
  const actions = { up: rabbitClusterUp, down: rabbitClusterDown, status: async () => console.log(await rabbitClusterStatus()) };
  if (!actions[cmd]) {
    console.error('usage: node test/brokers/rabbitmq-cluster.mjs up|down|status');
    process.exit(2);
  }
  actions[cmd]().catch((e) => {
    console.error(`[brokers] rabbitmq cluster ${cmd} failed: ${e.message}`);
    process.exit(1);
  });
}
