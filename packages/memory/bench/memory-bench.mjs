// End-to-end throughput and latency of the memory backend through the public API:
// connect() → publish (pipelined, 1 KiB JSON payloads) → subscribe (concurrency 64).
// The producer keeps at most --window messages published but not yet handled, so latency measures
// the pipeline rather than an ever-growing queue.
// Usage: node packages/memory/bench/memory-bench.mjs [--messages 1000000] [--window 1024] [--payload bytes|json] [--backlog 200000] [--otel off|sdk]
// --otel sdk registers the OpenTelemetry SDK (tracing and metrics) with exporters that drop
// everything, to measure what telemetry itself costs (traces / metrics: only one of the two);
// off (default) measures core without an SDK.
import { connect } from '@switchboard/core';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    warmup: { type: 'string', default: '100000' },
    window: { type: 'string', default: '1024' },
    concurrency: { type: 'string', default: '64' },
    backlog: { type: 'string', default: '200000' },
    payload: { type: 'string', default: 'bytes' },
    otel: { type: 'string', default: 'off' },
  },
});
if (!['off', 'sdk', 'traces', 'metrics'].includes(values.otel)) throw new Error('--otel is off, sdk, traces or metrics');
if (values.otel !== 'off') {
  const { context, metrics, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BatchSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  const dropping = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
  class IdleReader extends MetricReader {
    async onShutdown() {}
    async onForceFlush() {}
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (values.otel !== 'metrics') trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropping })] }));
  if (values.otel !== 'traces') metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new IdleReader()] }));
}
const MESSAGES = Number(values.messages);
const WARMUP = Number(values.warmup);
const WINDOW = Number(values.window);
const CONCURRENCY = Number(values.concurrency);
const BACKLOG = Number(values.backlog);
const CHUNK = 1000;
const PAYLOAD = values.payload;
if (PAYLOAD !== 'bytes' && PAYLOAD !== 'json') throw new Error('--payload is bytes or json');

// `bytes`: a 1024-byte Buffer (application/octet-stream, no JSON work) carrying the send time.
// `json`: { t, data } serialising to ~1024 bytes; JSON.stringify/parse then dominate the cost.
const filler = 'x'.repeat(1024 - JSON.stringify({ t: 123456.789012, data: '' }).length);
function makePayload() {
  if (PAYLOAD === 'json') return { t: performance.now(), data: filler };
  const bytes = Buffer.allocUnsafe(1024);
  bytes.writeDoubleLE(performance.now(), 0);
  return bytes;
}
function sentAt(payload) {
  return PAYLOAD === 'json' ? payload.t : payload.readDoubleLE(0);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Publishes `count` messages in chunks, keeping at most `window` published-but-unhandled. */
async function run(channel, count, window, latencies) {
  let handled = 0;
  let wake;
  const sub = await channel.subscribe(
    'bench',
    (message) => {
      const latency = performance.now() - sentAt(message.payload);
      if (latencies !== undefined) latencies[handled] = latency;
      handled++;
      if (wake !== undefined && (count - handled < CHUNK || 0 === handled % 64)) {
        const w = wake;
        wake = undefined;
        w();
      }
    },
    { concurrency: CONCURRENCY },
  );
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  while (sent < count) {
    while (sent - handled >= window) await new Promise((resolve) => (wake = resolve));
    const n = Math.min(CHUNK, count - sent);
    const confirms = new Array(n);
    for (let i = 0; i < n; i++) confirms[i] = channel.publish(makePayload());
    sent += n;
    await Promise.all(confirms);
  }
  while (handled < count) await new Promise((resolve) => (wake = resolve));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await sub.close();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function steadyState() {
  const bus = await connect({ url: 'memory://bench-steady', channels: { bench: { requires: { workQueue: true } } } });
  const channel = bus.channel('bench');
  await run(channel, WARMUP, WINDOW);
  const latencies = new Float64Array(MESSAGES);
  const { seconds, cpuSeconds } = await run(channel, MESSAGES, WINDOW, latencies);
  await bus.close();
  latencies.sort();
  return {
    messages: MESSAGES,
    msgPerSec: Math.round(MESSAGES / seconds),
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    p999ms: percentile(latencies, 99.9),
    cpuCores: cpuSeconds / seconds,
    cpuMicrosPerMessage: (cpuSeconds * 1e6) / MESSAGES,
  };
}

/** A backlog waits in a declared group, then one subscriber drains it: memory must not balloon. */
async function backlogDrain() {
  const bus = await connect({ url: 'memory://bench-backlog', channels: { backlog: { groups: ['bench'] } }, options: { retention: 1000 } });
  const channel = bus.channel('backlog');
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  for (let sent = 0; sent < BACKLOG; sent += CHUNK) {
    const confirms = [];
    for (let i = 0; i < CHUNK; i++) confirms.push(channel.publish(makePayload()));
    await Promise.all(confirms);
  }
  global.gc?.();
  const heapBacklog = process.memoryUsage().heapUsed;
  const bodiesMiB = Math.round(process.memoryUsage().arrayBuffers / 1048576);
  let handled = 0;
  let peakHeap = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const start = performance.now();
  const sub = await channel.subscribe(
    'bench',
    () => {
      if (++handled % 10_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      if (handled === BACKLOG) done();
    },
    { concurrency: CONCURRENCY },
  );
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await sub.close();
  await bus.close();
  return {
    messages: BACKLOG,
    drainMsgPerSec: Math.round(BACKLOG / seconds),
    heapPerWaitingMessageBytes: Math.round((heapBacklog - heap0) / BACKLOG),
    heapBacklogMiB: Math.round((heapBacklog - heap0) / 1048576),
    peakHeapDuringDrainMiB: Math.round((peakHeap - heap0) / 1048576),
    bodiesMiB,
  };
}

const fmt = (ms) => `${ms.toFixed(3)} ms`;
const load0 = loadavg()[0];
const steady = await steadyState();
console.log(`memory backend, 1 KiB ${PAYLOAD === 'json' ? 'JSON' : 'binary'} messages, concurrency ${CONCURRENCY}, window ${WINDOW} unhandled, OpenTelemetry ${values.otel === 'off' ? 'off' : `SDK (${values.otel === 'sdk' ? 'traces and metrics' : values.otel}) with dropping exporters`}`);
console.log(`  throughput  ${steady.msgPerSec.toLocaleString('en')} msg/s over ${steady.messages.toLocaleString('en')} messages`);
console.log(`  latency     p50 ${fmt(steady.p50ms)}   p99 ${fmt(steady.p99ms)}   p99.9 ${fmt(steady.p999ms)}   (publish call → handler)`);
console.log(
  `  cpu         ${steady.cpuMicrosPerMessage.toFixed(2)} µs per message (${Math.round(1e6 / steady.cpuMicrosPerMessage).toLocaleString('en')} msg per CPU-second; ` +
    `${steady.cpuCores.toFixed(2)} cores busy, GC threads included)`,
);
if (BACKLOG > 0) {
  const backlog = await backlogDrain();
  console.log(`backlog of ${backlog.messages.toLocaleString('en')} waiting in a declared group, then drained`);
  console.log(
    `  memory      JS heap +${backlog.heapBacklogMiB} MiB while waiting (${backlog.heapPerWaitingMessageBytes} B/message), bodies ${backlog.bodiesMiB} MiB off-heap; ` +
      `peak heap +${backlog.peakHeapDuringDrainMiB} MiB while draining`,
  );
  console.log(`  drain       ${backlog.drainMsgPerSec.toLocaleString('en')} msg/s`);
}
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'} ×${cpus().length}, node ${process.version}, load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
