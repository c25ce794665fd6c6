import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Parser } from '@asyncapi/parser';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from '@switchboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackages, root, userEnv } from './packing.js';

// One application installed with npm from the packed packages — core, every backend and the CLI —
// holding the order-desk example's compiled declarations and two small apps (CommonJS and ESM).
const work = mkdtempSync(join(tmpdir(), 'switchboard-tools-'));
const app = join(work, 'app');
const RABBIT_URL = 'amqp://guest:guest@127.0.0.1:5672';
const KAFKA_URL = 'kafka://127.0.0.1:9092';

/** Counts TCP connections, to prove the CLI reads reports without connecting to the URL it is given. */
let trap: Server;
let trapPort = 0;
/** Remote ports of the connections the trap accepted, in order. */
const accepted: number[] = [];
/** Local ports of the test's own connections to the trap (see trapConnectionsSoFar), not counted. */
const probes = new Set<number>();

/**
 * Connections the trap accepted from anyone but this test, up to now. The listener accepts in
 * arrival order, so once a connection of the test's own is accepted, every connection made by a
 * CLI run that already exited was accepted before it.
 */
async function trapConnectionsSoFar(): Promise<number> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => socket.once('error', reject).connect(trapPort, '127.0.0.1', resolve));
  const port = socket.localPort as number;
  probes.add(port);
  try {
    await waitFor(() => accepted.includes(port), { timeoutMs: 10_000, message: 'the trap accepting the probe connection' });
  } finally {
    socket.destroy();
  }
  return accepted.filter((p) => !probes.has(p)).length;
}

beforeAll(async () => {
  const tarballs = packPackages(['core', 'memory', 'rabbitmq', 'kafka', 'cli'], work);
  cpSync(join(root, 'test', 'packed-tools'), app, { recursive: true });
  cpSync(join(root, 'examples', 'order-desk', 'dist'), join(app, 'order-desk'), { recursive: true });
  writeFileSync(join(app, 'order-desk', 'package.json'), JSON.stringify({ name: 'order-desk', version: '1.2.3', type: 'module', description: 'Order desk demo' }));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'packed-tools',
      private: true,
      type: 'module',
      dependencies: { ...Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [`@switchboard/${name}`, `file:${file}`])), zod: '^4.1.0' },
    }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'pipe', timeout: 150_000, env: userEnv });
  trap = createServer((socket) => {
    accepted.push(socket.remotePort as number);
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapPort = (trap.address() as { port: number }).port;
}, 240_000);

afterAll(async () => {
  await new Promise((resolve) => trap?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: app, env: { ...userEnv, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const switchboard = (...args: string[]) => run(join(app, 'node_modules', '.bin', 'switchboard'), args);

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket().setTimeout(1000);
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false)).once('timeout', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

describe('switchboard command from a packed install', () => {
  it('has --help on every command and exit codes for CI', async () => {
    const help = await switchboard('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/matrix[\s\S]*check[\s\S]*asyncapi[\s\S]*Exit codes: 0 ok, 1 a channel is refused/);
    for (const command of ['matrix', 'check', 'asyncapi']) {
      const sub = await switchboard(command, '--help');
      expect(sub.code, command).toBe(0);
      expect(sub.stdout).toContain(`Usage: switchboard ${command}`);
    }
    expect((await switchboard('check', '--help')).stdout).toContain('--compare');
    expect((await switchboard('frobnicate')).code).toBe(2);
    expect((await switchboard('check')).code).toBe(2);
    expect((await switchboard('matrix', '--backend', 'nats')).code).toBe(2);
    const missing = await switchboard('check', 'nope.js', '--url', 'memory://');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/ConfigError \(SB_CONFIG\): Module .*nope\.js does not exist/);
    expect((await switchboard('check', 'order-desk/bus.js', '--url', 'nats://x')).code).toBe(3);
  });

  it("prints the capability matrix from the backends' own reports, as text or JSON", async () => {
    const text = await switchboard('matrix');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^capability\s+memory\s+rabbitmq\s+kafka$/m);
    expect(text.stdout).toMatch(/^priority\s+native\s+native\s+emulated$/m);
    expect(text.stdout).toContain('Limits: maxPriority=255.');
    expect(text.stdout).not.toContain('\u001b['); // not a TTY: no colour
    const json = JSON.parse((await switchboard('matrix', '--backend', 'kafka,memory', '--json')).stdout);
    expect(Object.keys(json.backends)).toEqual(['kafka', 'memory']);
    expect(json.backends.kafka.workQueue).toMatchObject({ support: 'native', limits: { parallelism: 'partitions' } });
    const coloured = await run(join(app, 'node_modules', '.bin', 'switchboard'), ['matrix', '-b', 'memory'], { FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain('\u001b[32mnative');
  });

  it('checks order-desk on RabbitMQ and Kafka side by side without connecting to either', async () => {
    const rabbit = `amqp://guest:s3cret@127.0.0.1:${trapPort}`;
    const kafka = `kafka://127.0.0.1:${trapPort}`;
    const result = await switchboard('check', 'order-desk/bus.js', '--url', rabbit, '--compare', kafka, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('s3cret');
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    const [onRabbit, onKafka] = report.results;
    expect(onRabbit).toMatchObject({ backend: 'rabbitmq', url: `amqp://guest:***@127.0.0.1:${trapPort}`, ok: true });
    const outcome = (r: { channels: Record<string, { capability: string }[]> }, channel: string, capability: string) =>
      r.channels[channel]?.find((o) => o.capability === capability);
    expect(outcome(onRabbit, 'orders', 'priority')).toMatchObject({ required: 'preferred', outcome: 'native' });
    expect(outcome(onKafka, 'orders', 'priority')).toMatchObject({ required: 'preferred', outcome: 'emulated', support: 'emulated', limits: { levels: 3 } });
    expect(outcome(onKafka, 'orders', 'deadLetter')).toMatchObject({ outcome: 'emulated' });
    expect(outcome(onKafka, 'pricing', 'requestReply')).toMatchObject({ outcome: 'emulated', limits: { replyTopicSuffix: '.replies' } });
    expect(report.results[1].channels['orders.dead']).toEqual([]);

    const text = await switchboard('check', 'order-desk/bus.js', '--url', rabbit, '--compare', kafka);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}priority\s+preferred\s+native\s+emulated \(levels=3, starvationLimit=8, /m);
    expect(text.stdout).not.toMatch(/degraded priority on kafka/);
    expect(text.stdout).toMatch(/^ok: kafka gives every channel what it declared$/m);
    expect(await trapConnectionsSoFar()).toBe(0);
  });

  it('exits 1 when a channel is refused, with the reasons and who would satisfy it', async () => {
    const result = await switchboard('check', 'needs-priority.mjs', '--json');
    expect(result.code).toBe(1);
    const [onKafka] = JSON.parse(result.stdout).results;
    expect(onKafka.ok).toBe(false);
    const priority = onKafka.channels.jobs.find((o: { capability: string }) => o.capability === 'priority');
    expect(priority).toMatchObject({ outcome: 'refused', support: 'unsupported', satisfiedBy: ['memory', 'rabbitmq'] });
    expect(priority.detail).toMatch(/per-key order cannot hold/);
    const both = await switchboard('check', 'needs-priority.mjs', '--compare', `amqp://127.0.0.1:${trapPort}`);
    expect(both.code).toBe(1);
    expect(both.stdout).toMatch(/^ {2}priority\s+true\s+refused\s+native$/m);
    expect(both.stdout).toMatch(/refused priority on kafka: .* Satisfied by: memory, rabbitmq\./);
    expect(both.stdout).toMatch(/^refused on kafka: jobs$/m);
    expect(both.stdout).toMatch(/^ok: rabbitmq gives every channel what it declared$/m);
  });

  it('writes AsyncAPI 3.0 documents that the AsyncAPI parser accepts, with bindings where the backend is known', async () => {
    const parser = new Parser();
    const documents: Record<string, Record<string, any>> = {};
    for (const [name, url] of [['plain', undefined], ['kafka', `kafka://127.0.0.1:${trapPort},localhost:9093`], ['amqp', `amqp://guest:s3cret@127.0.0.1:${trapPort}/shop`]] as const) {
      const result = await switchboard('asyncapi', 'order-desk/bus.js', ...(url === undefined ? [] : ['--url', url]));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).not.toContain('s3cret');
      const { document, diagnostics } = await parser.parse(result.stdout);
      // Severity 0 is an error, 1 a warning; 2 (information) only suggests AsyncAPI 3.1.
      expect(diagnostics.filter((d) => d.severity < 2), name).toEqual([]);
      expect(document?.version()).toBe('3.0.0');
      documents[name] = JSON.parse(result.stdout);
    }
    const plain = documents['plain'] as Record<string, any>;
    expect(plain['info']).toEqual({ title: 'order-desk', version: '1.2.3', description: 'Order desk demo' });
    expect(plain['servers']).toBeUndefined();
    expect(plain['components'].messages.orders.payload).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string' }, quantity: { type: 'integer', exclusiveMinimum: 0 }, vip: { type: 'boolean', default: false } },
      required: ['id', 'customer', 'sku', 'quantity'],
    });
    expect(plain['components'].messages.pricing_reply.payload.properties.total).toMatchObject({ type: 'number', minimum: 0 });
    expect(plain['channels'].orders['x-switchboard-requires']).toEqual({ workQueue: true, priority: 'preferred', deadLetter: true });
    expect(plain['operations'].orders_send).toMatchObject({ action: 'send', channel: { $ref: '#/channels/orders' } });
    expect(plain['operations'].orders_receive_fulfilment).toMatchObject({ action: 'receive' });
    expect(plain['operations'].pricing_request.reply.channel).toEqual({ $ref: '#/channels/pricing_replies' });

    const kafka = documents['kafka'] as Record<string, any>;
    expect(kafka['servers']).toEqual({ 'kafka-1': { host: `127.0.0.1:${trapPort}`, protocol: 'kafka' }, 'kafka-2': { host: 'localhost:9093', protocol: 'kafka' } });
    expect(kafka['channels'].orders.bindings.kafka).toEqual({ topic: 'orders', partitions: 3, bindingVersion: '0.5.0' });
    expect(kafka['operations'].orders_receive_fulfilment.bindings.kafka.groupId).toEqual({ type: 'string', enum: ['orders:fulfilment'] });
    expect(kafka['channels'].pricing_replies.address).toBe('pricing.replies');
    expect(kafka['components'].messages.orders.headers.properties).toHaveProperty('ce_id');
    expect(kafka['channels'].orders['x-switchboard-capabilities'].priority).toMatchObject({ outcome: 'emulated' });
    expect(kafka['x-switchboard-backend']).toBe('kafka');

    const amqp = documents['amqp'] as Record<string, any>;
    expect(amqp['servers']).toEqual({ amqp: { host: `127.0.0.1:${trapPort}`, protocol: 'amqp', pathname: '/shop' } });
    expect(amqp['channels'].orders.bindings.amqp).toMatchObject({ is: 'routingKey', exchange: { name: 'orders', type: 'fanout', vhost: 'shop' } });
    expect(amqp['channels'].orders_fulfilment).toMatchObject({ address: 'orders.fulfilment', bindings: { amqp: { is: 'queue' } } });
    expect(amqp['operations'].orders_receive_fulfilment.channel).toEqual({ $ref: '#/channels/orders_fulfilment' });
    expect(amqp['channels'].pricing_replies.address).toBe('amq.rabbitmq.reply-to');
    expect(amqp['components'].messages.orders.headers.properties).toHaveProperty(['cloudEvents:id']);
    expect(await trapConnectionsSoFar()).toBe(0);
  });
});

describe('errors thrown by every backend keep instanceof in a packed application', async () => {
  const brokers: Record<string, string> = {};
  if (await reachable(5672)) brokers['rabbitmq'] = RABBIT_URL;
  if (await reachable(9092)) brokers['kafka'] = KAFKA_URL;
  const missing = ['rabbitmq', 'kafka'].filter((name) => brokers[name] === undefined);
  if (missing.length > 0 && process.env['CI'] === 'true') throw new Error(`${missing.join(' and ')} unreachable under CI=true`);
  const title = missing.length === 0 ? 'on memory, rabbitmq and kafka' : `(broker cases skipped: ${missing.join(', ')} unreachable; run pnpm brokers:up)`;

  const channels: string[] = [];
  afterAll(async () => {
    // Broker objects of the request/reply cases: the channel's exchange and request queue, its topics.
    if (brokers['rabbitmq'] !== undefined) {
      const connection = await amqp.connect(RABBIT_URL);
      const channel = await connection.createChannel();
      for (const name of channels) {
        await channel.deleteQueue(`${name}~requests`);
        await channel.deleteExchange(name);
      }
      await connection.close();
    }
    if (brokers['kafka'] !== undefined) {
      const admin = new Kafka({ brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const topics = channels.flatMap((name) => [name, `${name}.replies`]).filter((topic) => existing.has(topic));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
      await admin.disconnect();
    }
  });

  it.each(['app.cjs', 'app.mjs'])(`%s ${title}`, async (script) => {
    const channel = `sbt-errors-${randomBytes(4).toString('hex')}`;
    channels.push(channel);
    const result = await run('node', [script], { SWITCHBOARD_BROKERS: JSON.stringify({ ...brokers, channel }) });
    expect(result.code, result.stderr).toBe(0);
    const results = JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>[];
    const expectedCases = 2 + (script === 'app.mjs' ? 1 : 0) + 2 + (brokers['rabbitmq'] ? 2 : 0) + 2 + (brokers['kafka'] ? 1 : 0);
    expect(results).toHaveLength(expectedCases);
    for (const entry of results) {
      expect(entry, String(entry['label'])).toMatchObject({ instanceOfExpected: true, instanceOfBase: true, instanceOfError: true, instanceOfUnrelated: false, is: true });
    }
    // The point of the test: a CommonJS app sees the backends' errors from the other (ESM) copy of core.
    const crossCopy = results.filter((r) => r['fromOtherCopy']).map((r) => r['label']);
    // Kafka's request timeout may come from either copy: core's own deadline (timeoutMs + 250 ms, the
    // application's copy) wins when a loaded machine makes the backend's timer late.
    const eitherCopy = new Set(['kafka: request without responder']);
    if (script === 'app.cjs') expect(crossCopy.filter((l) => !eitherCopy.has(l as string))).toEqual(results.map((r) => r['label']).filter((l) => !eitherCopy.has(l as string)));
    else expect(crossCopy).toEqual(['memory (CommonJS build): request without responder']);
  });
});
