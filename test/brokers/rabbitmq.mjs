#!/usr/bin/env node
// RabbitMQ for integration tests: uses the system install (apt) on 127.0.0.1:5672, guest/guest.
// Usage: node test/brokers/rabbitmq.mjs up|down|status|restart-app
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const PORT = 5672;
const START_TIMEOUT_S = 90;

const defaultLog = (msg) => console.log(`[brokers] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Finds an executable; rabbitmq tools live in sbin, which non-root PATHs often lack. */
function which(cmd) {
  const dirs = [...(process.env.PATH || '').split(':'), '/usr/sbin', '/sbin', '/usr/lib/rabbitmq/bin'];
  for (const dir of dirs) {
    const file = path.join(dir, cmd);
    try { fs.accessSync(file, fs.constants.X_OK); return file; } catch {}
  }
  return null;
}

function run(cmd, args, { timeoutMs = 120_000, noOutput = false } = {}) {
  return new Promise((resolve, reject) => {
    // noOutput: a daemonising child could inherit our pipes and delay 'close' forever
    const child = spawn(which(cmd) || cmd, args, { stdio: noOutput ? 'ignore' : ['ignore', 'pipe', 'pipe'] });
    // own timer: spawn's `timeout` option keeps the event loop alive after ENOENT
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new Error(`${cmd} not found`) : e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(out);
      const tail = out.trim().split('\n').slice(-15).join('\n');
      reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? 'exit ' + code})\n${tail}`));
    });
  });
}

/** Readiness probe: the server must answer an AMQP 0-9-1 protocol header with a Connection.Start frame. */
export function rabbitProbe({ timeoutMs = 2000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port: PORT });
    const done = (ok, reason) => { sock.destroy(); resolve({ ok, reason }); };
    sock.setTimeout(timeoutMs, () => done(false, `no AMQP handshake from ${HOST}:${PORT} within ${timeoutMs} ms`));
    sock.on('error', (e) => done(false, `${HOST}:${PORT}: ${e.code || e.message}`));
    sock.on('close', () => done(false, `${HOST}:${PORT} closed the connection`));
    sock.on('connect', () => sock.write(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1')));
    sock.once('data', (d) => done(d[0] === 1, d[0] === 1 ? null : `unexpected reply on ${HOST}:${PORT} (not AMQP 0-9-1?)`));
  });
}

async function waitProbe(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let probe;
  while (Date.now() < deadline) {
    if ((probe = await rabbitProbe()).ok) return;
    await sleep(250);
  }
  throw new Error(`RabbitMQ not accepting AMQP after ${timeoutMs / 1000} s: ${probe?.reason}`);
}

const awaitStartup = () => run('rabbitmqctl', ['-q', '-t', String(START_TIMEOUT_S), 'await_startup'], { timeoutMs: (START_TIMEOUT_S + 10) * 1000 });

/** Ensures RabbitMQ answers on 127.0.0.1:5672: installs (root only), boots the node or restarts the app. */
export async function rabbitUp({ log = defaultLog } = {}) {
  if ((await rabbitProbe()).ok) return log(`rabbitmq already up on ${HOST}:${PORT}`);
  const t0 = Date.now();
  if (!which('rabbitmq-server')) {
    if (process.getuid?.() !== 0) throw new Error('rabbitmq-server is not installed (apt-get install rabbitmq-server)');
    log('installing rabbitmq-server via apt-get ...');
    await run('apt-get', ['update', '-q'], { timeoutMs: 5 * 60_000 });
    await run('apt-get', ['install', '-y', '-q', 'rabbitmq-server'], { timeoutMs: 10 * 60_000 });
  }
  const nodeRunning = await run('rabbitmqctl', ['-q', 'ping'], { timeoutMs: 30_000 }).then(() => true, () => false);
  if (nodeRunning) {
    log('rabbitmq node is running but the app is not; start_app');
    await run('rabbitmqctl', ['-q', 'start_app'], { timeoutMs: START_TIMEOUT_S * 1000 });
  } else {
    log('starting rabbitmq-server -detached');
    await run('rabbitmq-server', ['-detached'], { timeoutMs: 30_000, noOutput: true });
  }
  await awaitStartup();
  await waitProbe(30_000);
  log(`rabbitmq up on ${HOST}:${PORT} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Stops the whole RabbitMQ node (Erlang VM included). */
export async function rabbitDown({ log = defaultLog } = {}) {
  await run('rabbitmqctl', ['-q', 'stop'], { timeoutMs: 60_000 });
  log('rabbitmq stopped');
}

/** Broker outage for fault tests: closes every connection and the listener; the VM stays up. */
export async function rabbitStopApp({ log = defaultLog } = {}) {
  await run('rabbitmqctl', ['-q', 'stop_app'], { timeoutMs: 60_000 });
  log('rabbitmq app stopped');
}

export async function rabbitStartApp({ log = defaultLog } = {}) {
  await run('rabbitmqctl', ['-q', 'start_app'], { timeoutMs: START_TIMEOUT_S * 1000 });
  await awaitStartup();
  await waitProbe(30_000);
  log('rabbitmq app started');
}

/** stop_app + start_app, optionally staying down for `downMs` in between. */
export async function rabbitRestartApp({ log = defaultLog, downMs = 0 } = {}) {
  await rabbitStopApp({ log });
  if (downMs) await sleep(downMs);
  await rabbitStartApp({ log });
}

export async function rabbitStatus() {
  const probe = await rabbitProbe();
  return { up: probe.ok, reason: probe.reason };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const cmd = process.argv[2];
  const actions = {
    up: rabbitUp,
    down: rabbitDown,
    'restart-app': rabbitRestartApp,
    status: async () => console.log(await rabbitStatus()),
  };
  if (!actions[cmd]) {
    console.error('usage: node test/brokers/rabbitmq.mjs up|down|status|restart-app');
    process.exit(2);
  }
  actions[cmd]().catch((e) => {
    console.error(`[brokers] rabbitmq ${cmd} failed: ${e.message}`);
    process.exit(1);
  });
}
