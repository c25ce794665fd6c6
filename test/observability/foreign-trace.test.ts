// A producer that is not Switchboard, instrumented by the official OpenTelemetry instrumentation
// (@opentelemetry/instrumentation-amqplib / -kafkajs, in its own process), and a Switchboard
// consumer end up in one trace: the consumer's process span is a child of the foreign send span,
// and a span the handler starts is a child of the process span.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SpanKind, trace } from '@opentelemetry/api';
import { connect, decodeMessage, type Bus, type Message } from '@switchboard/core';
import { unreachableReason, waitFor } from '@switchboard/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanKafka, cleanRabbit } from './broker-cleanup.js';
import { installSdk, type InstalledSdk } from './otel-sdk.js';

const run = promisify(execFile);
const PRODUCER = fileURLToPath(new URL('./foreign-producer.cjs', import.meta.url));
const CONSUMER = fileURLToPath(new URL('./instrumented-consumer.cjs', import.meta.url));
const RABBIT_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const KAFKA_BROKER = '127.0.0.1:9092';
const prefix = `sbfor-${randomBytes(3).toString('hex')}`;
const tracer = trace.getTracer('the-application');

interface ForeignSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links?: string[];
  instrumentation: string;
}

/** Starts instrumented-consumer.cjs and resolves with its spans once it handled one message. */
function instrumentedConsumer(backend: string, env: Record<string, string>, onReady: () => Promise<void>): Promise<ForeignSpan[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONSUMER, backend], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`instrumented consumer timed out; stderr: ${stderr}`));
    }, 90_000);
    let stderr = '';
    let buffered = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const event = JSON.parse(buffered.slice(0, newline)) as { ready?: boolean; spans?: ForeignSpan[] };
        buffered = buffered.slice(newline + 1);
        if (event.ready === true) onReady().catch(reject);
        if (event.spans !== undefined) {
          clearTimeout(timer);
          resolve(event.spans);
        }
      }
    });
    child.on('exit', (code) => {
      if (code !== 0) {
        clearTimeout(timer);
        reject(new Error(`instrumented consumer exited ${code}; stderr: ${stderr}`));
      }
    });
  });
}

/**
 * Whether core itself reads the plain W3C `traceparent` header into `message.traceparent` (the
 * envelope change on the codecs branch). Until it does, tracing reads the header from
 * `message.headers`, which is why the trace assertions hold either way.
 */
const envelopeReadsPlainHeader = ((): boolean => {
  const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  const decoded = decodeMessage({ body: Buffer.from('null'), headers: { traceparent }, id: 'x', timestamp: 1 }, 'ce_');
  return decoded.traceparent === traceparent;
})();

let sdk: InstalledSdk;
beforeAll(() => {
  sdk = installSdk();
});
afterAll(() => sdk.shutdown());

const targets = [
  { name: 'rabbitmq', client: 'amqplib', url: RABBIT_URL, target: RABBIT_URL, options: {}, clean: () => cleanRabbit(RABBIT_URL, prefix) },
  {
    name: 'kafka',
    client: 'kafkajs',
    url: `kafka://${KAFKA_BROKER}`,
    target: KAFKA_BROKER,
    options: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 },
    clean: () => cleanKafka([KAFKA_BROKER], prefix),
  },
] as const;

for (const target of targets) {
  const reason = await unreachableReason(target.url);
  if (reason !== undefined && process.env['CI'] === 'true') throw new Error(`${target.name} unreachable under CI=true: ${reason}`);
  describe.skipIf(reason !== undefined)(`${target.name}: foreign producer traced by @opentelemetry/instrumentation-${target.client}${reason === undefined ? '' : ` (skipped: ${reason})`}`, () => {
    let bus: Omit<Bus, 'channel'> & { channel(name: string, spec?: object): any };
    const channel = `${prefix}-${target.name}-${randomBytes(2).toString('hex')}`;
    const received: Message[] = [];
    let foreign: ForeignSpan[] = [];

    beforeAll(async () => {
      bus = (await connect({ url: target.url, options: target.options, channels: { [channel]: { groups: ['billing'] } } })) as never;
      await bus.channel(channel).subscribe('billing', (message: Message) => {
        tracer.startActiveSpan('update ledger', (span) => span.end());
        received.push(message);
      });
      const { stdout } = await run(process.execPath, [PRODUCER, target.client], { env: { ...process.env, TARGET: target.target, DESTINATION: channel }, timeout: 60_000 });
      foreign = (JSON.parse(stdout.trim().split('\n').at(-1) as string) as { spans: ForeignSpan[] }).spans;
      await waitFor(() => received.length === 1, { timeoutMs: 30_000, message: 'the foreign message handled' });
    });
    afterAll(async () => {
      await bus?.close();
      await target.clean();
    }, 60_000);

    it('the Switchboard process span is a child of the instrumentation’s send span, in the same trace', async () => {
      const send = foreign.find((s) => s.kind === SpanKind.PRODUCER && s.instrumentation.includes(target.client)) as ForeignSpan;
      expect(send, JSON.stringify(foreign)).toBeDefined();
      const root = foreign.find((s) => s.name === 'foreign checkout') as ForeignSpan;
      expect(send.parentSpanId).toBe(root.spanId);
      await waitFor(() => sdk.finished((s) => s.name === 'update ledger' && s.spanContext().traceId === send.traceId).length === 1, { message: 'the handler’s span in the foreign trace' });
      const processSpan = sdk.finished((s) => s.name === `process ${channel}`)[0];
      expect(processSpan?.spanContext().traceId).toBe(send.traceId);
      expect(processSpan?.parentSpanContext?.spanId).toBe(send.spanId);
      expect(processSpan?.links.map((l) => l.context.spanId)).toContain(send.spanId);
      const work = sdk.finished((s) => s.name === 'update ledger' && s.spanContext().traceId === send.traceId)[0];
      expect(work?.parentSpanContext?.spanId).toBe(processSpan?.spanContext().spanId);
    });

    it('with the client’s own instrumentation on in the consumer process too, the handler still continues the producer’s trace', async () => {
      const other = `${channel}-instrumented`;
      let producing: Promise<ForeignSpan[]> | undefined;
      const consumerSpans = await instrumentedConsumer(target.name, { URL: target.url, CHANNEL: other }, async () => {
        producing = run(process.execPath, [PRODUCER, target.client], { env: { ...process.env, TARGET: target.target, DESTINATION: other }, timeout: 60_000 }).then(
          ({ stdout }) => (JSON.parse(stdout.trim().split('\n').at(-1) as string) as { spans: ForeignSpan[] }).spans,
        );
        await producing;
      });
      // The consumer may report before the producer process has exited.
      const producerSpans = await (producing as Promise<ForeignSpan[]>);
      const send = producerSpans.find((s) => s.kind === SpanKind.PRODUCER) as ForeignSpan;
      const processSpan = consumerSpans.find((s) => s.name === `process ${other}` && s.instrumentation === '@switchboard/core') as ForeignSpan;
      const work = consumerSpans.find((s) => s.name === 'update ledger') as ForeignSpan;
      // The instrumentation's own span (amqplib: its consumer span; kafkajs: its batch `poll` span) was
      // active while Switchboard delivered: the process span links it instead of becoming its child.
      const clientSpans = consumerSpans.filter((s) => s.instrumentation.includes(target.client));
      expect(clientSpans.length, JSON.stringify(consumerSpans)).toBeGreaterThan(0);
      expect(processSpan.traceId).toBe(send.traceId);
      expect(processSpan.parentSpanId).toBe(send.spanId);
      expect(processSpan.links).toContain(send.spanId);
      expect(work.parentSpanId).toBe(processSpan.spanId);
      expect(clientSpans.some((s) => processSpan.links?.includes(s.spanId)), JSON.stringify(consumerSpans, null, 1)).toBe(true);
    });

    // Depends on the envelope change (codecs branch): core reading the plain W3C header into
    // message.traceparent. Skipped until core does; the trace above does not depend on it.
    it.skipIf(!envelopeReadsPlainHeader)('message.traceparent carries the header the instrumentation wrote', () => {
      const send = foreign.find((s) => s.kind === SpanKind.PRODUCER) as ForeignSpan;
      expect(received[0]?.traceparent).toBe(`00-${send.traceId}-${send.spanId}-01`);
    });
  });
}
