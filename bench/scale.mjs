#!/usr/bin/env node
// Cost as work grows: CPU per message and resident memory as concurrency, channels and subscriber
// groups per channel grow, and with a large backlog waiting. Every point runs in a fresh process
// (RSS of one point never leaks into the next). Not a test: figures, judged in lib/scale-rows.mjs
// (a point whose cost per unit of work grows faster than its work is flagged); `pnpm bench` puts
// the written results into latest.json and its chart.
//
// Usage: node bench/scale.mjs [--url memory://] [--backlog 1000000] [--only concurrency,channels,groups,backlog]
//                             [--messages 300000] [--write] [--quick]
//   --url       memory:// (default), amqp://guest:guest@127.0.0.1:5672 or kafka://127.0.0.1:9092
//   --messages  messages published per point (divided by √groups on fan-out points: 100 groups get a tenth)
//   --write     writes bench/results/scale-<backend>.json and .md
//   --declare   JSON merged into each channel's declaration, for comparisons (never with --write),
//               e.g. '{"requires":{"orderedByKey":true}}': on Kafka, no retry topic and no retry consumer
//   --options   JSON passed as the bus's backend options, for comparisons (never with --write),
//               e.g. '{"minBytes":65536,"maxWaitTimeMs":50}': on Kafka, fewer and fuller fetches
//
// Payloads: 1 KiB Buffers (application/octet-stream). Handlers count and return (no promise), except
// in the backlog drain, where each handler awaits a microtask so deliveries can pile up in front of
// it if anything on the consumer side buffered without bound.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXTRA_DELIVERY_LIMIT_US, GROWTH_LIMIT, judge } from './lib/scale-rows.mjs';
import { withVariant } from './lib/settings.mjs';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'memory://' },
    backlog: { type: 'string', default: '1000000' },
    messages: { type: 'string' },
    only: { type: 'string', default: 'concurrency,channels,groups,backlog' },
    point: { type: 'string' },
    write: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    declare: { type: 'string' },
    options: { type: 'string' },
  },
});

const PAYLOAD = Buffer.alloc(1024, 'x');
const CHUNK = 1000;
const backendOf = (url) => (url.startsWith('memory:') ? 'memory' : url.startsWith('amqp') ? 'rabbitmq' : url.startsWith('kafka') ? 'kafka' : 'other');
const MiB = (bytes) => bytes / 1048576;

if (values.point !== undefined) {
  const result = await runPoint(JSON.parse(values.point));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent: plan the points, run each in a child, print and (optionally) write the table.

if (values.write && (values.declare !== undefined || values.options !== undefined)) throw new Error('--declare and --options measure a variant: it is not written over the defaults\' results');
const backend = backendOf(values.url);
const broker = backend !== 'memory';
const perPoint = Number(values.messages ?? (broker ? (values.quick ? 5_000 : 20_000) : values.quick ? 100_000 : 300_000));
const only = new Set(values.only.split(','));
const points = [];
if (only.has('concurrency')) for (const concurrency of [1, 16, 64, 256]) points.push({ dimension: 'concurrency', concurrency, channels: 1, groups: 1 });
if (only.has('channels')) for (const channels of [1, 10, 100]) points.push({ dimension: 'channels', concurrency: 64, channels, groups: 1 });
if (only.has('groups')) for (const groups of [1, 10, 100]) points.push({ dimension: 'groups', concurrency: 64, channels: 1, groups });
if (only.has('backlog')) points.push({ dimension: 'backlog', concurrency: 64, channels: 1, groups: 1, backlog: Number(values.backlog) });

const script = fileURLToPath(import.meta.url);
const results = [];
const started = new Date();
const load0 = loadavg()[0];
for (const point of points) {
  const messages = point.dimension === 'backlog' ? point.backlog : Math.max(CHUNK, Math.round(perPoint / Math.sqrt(point.groups) / CHUNK) * CHUNK);
  const spec = { ...point, messages, url: values.url, run: `${Date.now().toString(36)}${results.length}`, ...(values.declare && { declare: JSON.parse(values.declare) }), ...(values.options && { options: JSON.parse(values.options) }) };
  process.stderr.write(`scale ${backend}: ${describe(spec)} …\n`);
  const child = spawnSync(process.execPath, ['--expose-gc', script, '--point', JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    process.stderr.write(child.stderr);
    results.push({ ...spec, error: (child.stderr.trim().split('\n').pop() ?? `exit ${child.status}`).slice(0, 300) });
    continue;
  }
  results.push({ ...spec, ...JSON.parse(line) });
}

const table = render(results);
process.stdout.write(`${table}\n`);
if (values.write) {
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const meta = { started: started.toISOString(), commit, url: values.url.replace(/\/\/[^@/]*@/, '//'), node: process.version, cpu: `${cpus()[0]?.model ?? '?'} ×${cpus().length}`, load: [load0, loadavg()[0]] };
  writeFileSync(`${dir}scale-${backend}.json`, `${JSON.stringify({ meta, results }, null, 2)}\n`);
  writeFileSync(`${dir}scale-${backend}.md`, `${header(meta)}\n\n${table}\n`);
}

function describe(p) {
  if (p.dimension === 'backlog') return `backlog of ${p.backlog.toLocaleString('en')}`;
  return `concurrency ${p.concurrency}, ${p.channels} channel(s), ${p.groups} group(s) per channel, ${p.messages.toLocaleString('en')} messages`;
}

function header(meta) {
  return `${meta.started} · commit ${meta.commit} · ${meta.url} · ${meta.cpu} · Node ${meta.node} · load average ${meta.load[0].toFixed(2)} → ${meta.load[1].toFixed(2)}`;
}

function render(rows) {
  const lines = [
    '| dimension | concurrency | channels | groups/channel | messages | msg/s | deliveries/s | CPU µs/msg | CPU µs/delivery | per extra delivery | RSS MiB (peak) | note |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of judge(rows, backendOf(values.url))) {
    if (r.error !== undefined) {
      lines.push(`| ${r.dimension} | ${r.concurrency} | ${r.channels} | ${r.groups} | ${r.messages} | — | — | — | — | — | — | failed: ${r.error.replace(/\|/g, '/')} |`);
      continue;
    }
    if (r.dimension === 'backlog') continue;
    const extra = r.perExtraDeliveryUs === undefined ? '' : `${r.perExtraDeliveryUs.toFixed(2)} µs`;
    const note = r.met ? '' : `cost per unit of work ×${r.growth.toFixed(2)} the first point's${r.growth > GROWTH_LIMIT ? ': super-linear?' : ''}${r.perExtraDeliveryUs >= EXTRA_DELIVERY_LIMIT_US ? `; ≥ ${EXTRA_DELIVERY_LIMIT_US} µs per extra delivery` : ''}`;
    lines.push(
      `| ${r.dimension} | ${r.concurrency} | ${r.channels} | ${r.groups} | ${r.messages.toLocaleString('en')} | ${Math.round(r.msgPerSec).toLocaleString('en')} | ${Math.round(r.deliveriesPerSec).toLocaleString('en')} | ${r.cpuUsPerMessage.toFixed(2)} | ${r.cpuUsPerDelivery.toFixed(2)} | ${extra} | ${r.rssMiB.toFixed(0)} (${r.rssPeakMiB.toFixed(0)}) | ${note} |`,
    );
  }
  const backlog = rows.filter((r) => r.dimension === 'backlog');
  if (backlog.length > 0) {
    lines.push('', '| backlog | publish msg/s | RSS before → with backlog (MiB) | RSS per waiting message | heap per waiting message | drain msg/s | drain CPU µs/msg | peak RSS while draining (MiB) | heap while draining vs with backlog | live heap held beyond the waiting messages (max) | handlers running at once (max) |', '|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|');
    for (const r of backlog) {
      if (r.error !== undefined) {
        lines.push(`| ${r.backlog.toLocaleString('en')} | failed: ${r.error.replace(/\|/g, '/')} | | | | | | | | | |`);
        continue;
      }
      lines.push(
        `| ${r.backlog.toLocaleString('en')} | ${Math.round(r.publishMsgPerSec).toLocaleString('en')} | ${r.rssBeforeMiB.toFixed(0)} → ${r.rssBacklogMiB.toFixed(0)} | ${Math.round(r.rssPerWaitingBytes)} B | ${Math.round(r.heapPerWaitingBytes)} B | ${Math.round(r.drainMsgPerSec).toLocaleString('en')} | ${r.drainCpuUsPerMessage.toFixed(2)} | ${r.rssDrainPeakMiB.toFixed(0)} | ${r.heapDrainPeakDeltaMiB >= 0 ? '+' : ''}${r.heapDrainPeakDeltaMiB.toFixed(0)} MiB at most (garbage included) | ${r.consumerHeldMiB.toFixed(1)} MiB | ${r.maxRunning} |`,
      );
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Child: one point.

async function runPoint(p) {
  const { connect } = await import('@switchboard/core');
  const names = Array.from({ length: p.channels }, (_, i) => `scale-${p.run}-c${i}`);
  const groupNames = Array.from({ length: p.groups }, (_, i) => `g${i}`);
  const declaration = withVariant({ codec: 'bytes', groups: groupNames, requires: p.groups > 1 ? { fanout: true } : {} }, p.declare);
  const channels = Object.fromEntries(names.map((name) => [name, declaration]));
  const bus = await connect({ url: p.url, channels, ...(p.options && { options: p.options }) });
  try {
    return p.dimension === 'backlog' ? await backlogPoint(bus, names[0], p) : await throughputPoint(bus, names, groupNames, p);
  } finally {
    await bus.close();
  }
}

async function throughputPoint(bus, names, groupNames, p) {
  const deliveriesPerMessage = p.groups;
  let delivered = 0;
  let wake;
  let rssPeak = 0;
  const onDelivery = () => {
    delivered++;
    if ((delivered & 8191) === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    if (wake !== undefined && (delivered & 63) === 0) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  const subs = [];
  for (const name of names) for (const group of groupNames) subs.push(await bus.channel(name).subscribe(group, onDelivery, { concurrency: p.concurrency }));
  const window = Math.max(1024, 4 * p.concurrency) * deliveriesPerMessage;
  const channels = names.map((name) => bus.channel(name));
  const publish = async (count) => {
    let sent = 0;
    const target = delivered + count * deliveriesPerMessage;
    const base = delivered;
    while (sent < count) {
      while (sent * deliveriesPerMessage - (delivered - base) >= window) await new Promise((resolve) => (wake = resolve));
      const n = Math.min(CHUNK, count - sent);
      const confirms = new Array(n);
      for (let i = 0; i < n; i++) confirms[i] = channels[(sent + i) % channels.length].publish(PAYLOAD);
      sent += n;
      await Promise.all(confirms);
    }
    while (delivered < target) {
      await new Promise((resolve) => {
        wake = resolve;
        // Brokers deliver in batches: also poll so a last partial batch is never waited for by count alone.
        setTimeout(resolve, 5);
      });
    }
  };
  await publish(Math.min(p.messages, Math.max(CHUNK * 5, p.messages / 5)));
  global.gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await publish(p.messages);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = cpu.user + cpu.system;
  const rss = process.memoryUsage.rss();
  for (const sub of subs) await sub.close();
  return {
    msgPerSec: p.messages / seconds,
    deliveriesPerSec: (p.messages * deliveriesPerMessage) / seconds,
    cpuUsPerMessage: cpuUs / p.messages,
    cpuUsPerDelivery: cpuUs / (p.messages * deliveriesPerMessage),
    rssMiB: MiB(rss),
    rssPeakMiB: MiB(Math.max(rss, rssPeak)),
  };
}

async function backlogPoint(bus, name, p) {
  const channel = bus.channel(name);
  // Warm the path (and create the group) without leaving anything waiting.
  let warm = 0;
  const warmSub = await channel.subscribe('g0', () => void warm++, { concurrency: p.concurrency });
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: CHUNK }, () => channel.publish(PAYLOAD)));
  while (warm < 5 * CHUNK) await new Promise((resolve) => setTimeout(resolve, 5));
  await warmSub.close();
  global.gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  for (let sent = 0; sent < p.backlog; sent += CHUNK) {
    const n = Math.min(CHUNK, p.backlog - sent);
    const confirms = new Array(n);
    // A body of its own per message, as an application's would be (not one shared buffer).
    for (let i = 0; i < n; i++) confirms[i] = channel.publish(Buffer.from(PAYLOAD));
    await Promise.all(confirms);
  }
  const publishSeconds = (performance.now() - t0) / 1000;
  global.gc?.();
  const waiting = process.memoryUsage();
  let handled = 0;
  let running = 0;
  let maxRunning = 0;
  let rssPeak = waiting.rss;
  let heapPeak = waiting.heapUsed;
  let consumerHeld = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const cpu0 = process.cpuUsage();
  const t1 = performance.now();
  const sub = await channel.subscribe(
    'g0',
    async () => {
      running++;
      if (running > maxRunning) maxRunning = running;
      await undefined;
      running--;
      handled++;
      if ((handled & 16383) === 0) {
        const now = process.memoryUsage();
        rssPeak = Math.max(rssPeak, now.rss);
        heapPeak = Math.max(heapPeak, now.heapUsed);
      }
      // Live heap (after a full GC) beyond what the messages still waiting account for: what the
      // consumer side holds. Bounded prefetch keeps it near zero whatever the backlog.
      if (handled % 125_000 === 0 && global.gc !== undefined) {
        global.gc();
        const live = process.memoryUsage().heapUsed - before.heapUsed;
        const waitingShare = ((waiting.heapUsed - before.heapUsed) * (p.backlog - handled)) / p.backlog;
        consumerHeld = Math.max(consumerHeld, live - waitingShare);
      }
      if (handled === p.backlog) done();
    },
    { concurrency: p.concurrency },
  );
  await finished;
  const drainSeconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await sub.close();
  return {
    publishMsgPerSec: p.backlog / publishSeconds,
    rssBeforeMiB: MiB(before.rss),
    rssBacklogMiB: MiB(waiting.rss),
    rssPerWaitingBytes: (waiting.rss - before.rss) / p.backlog,
    heapPerWaitingBytes: (waiting.heapUsed - before.heapUsed) / p.backlog,
    drainMsgPerSec: p.backlog / drainSeconds,
    drainCpuUsPerMessage: (cpu.user + cpu.system) / p.backlog,
    rssDrainPeakMiB: MiB(rssPeak),
    heapDrainPeakDeltaMiB: MiB(heapPeak - waiting.heapUsed),
    consumerHeldMiB: MiB(consumerHeld),
    maxRunning,
  };
}
