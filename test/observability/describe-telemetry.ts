// Telemetry scenarios every backend runs with the real OpenTelemetry SDK: one trace from publish
// through the handler to a span the handler starts, retries, dead letters and request/reply as
// spans and events, and metric counts equal to what was sent, handled and dead-lettered.
import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { connect, deadLetterInfo, type Bus, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { InstalledSdk } from './otel-sdk.js';

export interface TelemetryTarget {
  /** Backend name, also the expected `messaging.system`. */
  name: string;
  url: string;
  options?: Record<string, unknown>;
  /** Every channel name starts with it, so cleanup finds them. */
  prefix: string;
  /** Whether a handler's retry goes back through the broker (a second delivery) rather than in-process. */
  retriesThroughBroker: boolean;
}

// Channels are created per test with random names, so they are typed loosely here.
type AnyBus = Omit<Bus, 'channel'> & { channel(name: string, spec?: object): any };

const tracer = trace.getTracer('the-application');

export function describeTelemetry(target: TelemetryTarget, sdk: () => InstalledSdk): void {
  describe(`${target.name} telemetry`, () => {
    const buses: AnyBus[] = [];
    const open = async (channels: Record<string, object>): Promise<AnyBus> => {
      const bus = (await connect({ url: target.url, options: target.options ?? {}, channels })) as unknown as AnyBus;
      buses.push(bus);
      return bus;
    };
    const name = (what: string): string => `${target.prefix}-${what}-${randomBytes(3).toString('hex')}`;
    const inTrace = (traceId: string) => (span: ReadableSpan) => span.spanContext().traceId === traceId;
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });

    it('one trace runs from publish through the handler to a span the handler starts, with the conventions’ names', async () => {
      const channel = name('trace');
      const bus = await open({ [channel]: { groups: ['billing'] } });
      const received: Message[] = [];
      await bus.channel(channel).subscribe('billing', async (message: Message) => {
        tracer.startActiveSpan('charge card', (span) => span.end());
        received.push(message);
      });
      const traceId = await tracer.startActiveSpan('checkout', async (root) => {
        await bus.channel(channel).publish({ order: 1 }, { key: 'cust-7' });
        root.end();
        return root.spanContext().traceId;
      });
      await waitFor(() => sdk().finished(inTrace(traceId)).some((s) => s.name === 'charge card'), { timeoutMs: 30_000, message: 'the handler’s span' });
      const spans = sdk().finished(inTrace(traceId));
      const byName = (spanName: string): ReadableSpan => {
        const found = spans.filter((s) => s.name === spanName);
        expect(found.map((s) => s.name)).toEqual([spanName]);
        return found[0] as ReadableSpan;
      };
      const root = byName('checkout');
      const publish = byName(`publish ${channel}`);
      const process = byName(`process ${channel}`);
      const work = byName('charge card');
      const message = received[0] as Message;

      expect(publish.kind).toBe(SpanKind.PRODUCER);
      expect(publish.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(publish.attributes).toMatchObject({
        'messaging.system': target.name,
        'messaging.destination.name': channel,
        'messaging.operation.name': 'publish',
        'messaging.operation.type': 'send',
        'messaging.message.id': message.id,
      });
      // The publish span is the message's creation context: its id travels in traceparent.
      expect(message.traceparent).toBe(`00-${traceId}-${publish.spanContext().spanId}-01`);

      expect(process.kind).toBe(SpanKind.CONSUMER);
      expect(process.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
      expect(process.links.map((l) => l.context.spanId)).toContain(publish.spanContext().spanId);
      expect(process.attributes).toMatchObject({
        'messaging.system': target.name,
        'messaging.destination.name': channel,
        'messaging.operation.name': 'process',
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': 'billing',
        'messaging.message.id': message.id,
      });
      expect(work.parentSpanContext?.spanId).toBe(process.spanContext().spanId);
      if (target.name === 'kafka') {
        expect(publish.attributes['messaging.kafka.message.key']).toBe('cust-7');
        expect(process.attributes['messaging.kafka.message.key']).toBe('cust-7');
        expect(process.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
        expect(typeof process.attributes['messaging.kafka.offset']).toBe('number');
      }
    });

    it('retries and dead letters show as events and spans; metric counts equal what was sent, handled and dead-lettered', async () => {
      const channel = name('metrics');
      const dead = `${channel}.dead`;
      const bus = await open({ [channel]: { groups: ['w'], requires: { deadLetter: true } } });
      const handled: number[] = [];
      const deadLetters: Message[] = [];
      await bus.channel(dead).subscribe('audit', (m: Message) => void deadLetters.push(m));
      await bus.channel(channel).subscribe(
        'w',
        (m: Message<{ n: number }>) => {
          if (m.payload.n % 2 === 1) throw new Error(`refusing ${m.payload.n}`);
          handled.push(m.payload.n);
        },
        { retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } },
      );
      await Promise.all([0, 1, 2, 3, 4].map((n) => bus.channel(channel).publish({ n })));
      await waitFor(() => handled.length === 3 && deadLetters.length === 2, { timeoutMs: 60_000, message: '3 handled, 2 dead letters' });

      const on = { 'messaging.destination.name': channel };
      const onDead = { 'messaging.destination.name': dead };
      // Metrics are recorded as spans end; poll until the last one is in.
      await waitFor(async () => (await sdk().metric('messaging.client.consumed.messages', onDead)) === 2, { timeoutMs: 10_000, message: 'dead letters consumed' });
      // A dead letter can reach its consumer before the broker's confirm reaches the publisher. Only
      // at that confirm is its send counted, its publish span and the failed run's span ended and
      // the original acked (so it stops counting as active): wait for both confirms.
      const deadPublishes = (): ReadableSpan[] => sdk().finished((s) => s.name === `publish ${dead}`);
      await waitFor(() => deadPublishes().length >= 2, { timeoutMs: 30_000, message: 'both dead-letter publishes confirmed' });
      expect(deadPublishes()).toHaveLength(2);
      expect(await sdk().metric('messaging.client.sent.messages', { ...on, 'messaging.operation.name': 'publish', 'messaging.system': target.name })).toBe(5);
      expect(await sdk().metric('messaging.client.operation.duration', on)).toBeGreaterThanOrEqual(1);
      expect(await sdk().metric('messaging.process.duration', on)).toBe(3 + 2 * 2);
      expect(await sdk().metric('messaging.process.duration', { ...on, 'error.type': 'Error' })).toBe(4);
      expect(await sdk().metric('switchboard.messages.retried', on)).toBe(2);
      expect(await sdk().metric('switchboard.messages.dead_lettered', on)).toBe(2);
      expect(await sdk().metric('messaging.client.sent.messages', onDead)).toBe(2);
      expect(await sdk().metric('messaging.client.consumed.messages', { ...on, 'messaging.consumer.group.name': 'w' })).toBe(target.retriesThroughBroker ? 7 : 5);
      expect(await sdk().metric('switchboard.process.active', on)).toBe(0);

      // The failing message n=1: two failed runs, a retry event, a dead-letter event, the dead-letter publish as a child.
      const failed = deadLetters.find((m) => (m.payload as { n: number }).n === 1) as Message;
      expect(deadLetterInfo(failed)).toMatchObject({ attempts: 2, channel, group: 'w' });
      const runs = sdk()
        .finished((s) => s.name === `process ${channel}` && s.attributes['messaging.message.id'] === failed.id)
        .sort((a, b) => Number(a.attributes['switchboard.message.attempt']) - Number(b.attributes['switchboard.message.attempt']));
      expect(runs.map((s) => [s.attributes['switchboard.message.attempt'], s.status.code, s.attributes['error.type']])).toEqual([
        [1, SpanStatusCode.ERROR, 'Error'],
        [2, SpanStatusCode.ERROR, 'Error'],
      ]);
      expect(runs[0]?.events.map((e) => e.name)).toContain('switchboard.retry');
      expect(runs[0]?.events.map((e) => e.name)).toContain('exception');
      expect(runs[1]?.events.map((e) => e.name)).toContain('switchboard.dead_letter');
      const traceId = runs[1]?.spanContext().traceId as string;
      expect(runs[0]?.spanContext().traceId).toBe(traceId);
      const deadPublish = sdk().finished((s) => s.name === `publish ${dead}` && s.spanContext().traceId === traceId);
      expect(deadPublish.map((s) => s.parentSpanContext?.spanId)).toEqual([runs[1]?.spanContext().spanId]);
      // The dead letter keeps the original creation context: its consumer joins the same trace.
      await waitFor(() => sdk().finished((s) => s.name === `process ${dead}` && s.spanContext().traceId === traceId).length === 1, { message: 'the dead letter’s process span' });
      if (target.name === 'kafka') {
        await waitFor(async () => (await sdk().points('switchboard.consumer.lag', { ...on, 'messaging.consumer.group.name': 'w' })) > 0, { message: 'a Kafka lag data point' });
      }
    });

    it('request/reply: the responder’s span is a child of the request span', async () => {
      const channel = name('rpc');
      const bus = await open({ [channel]: { requires: { requestReply: true } } });
      await bus.channel(channel).respond((m: Message<{ q: number }>) => {
        tracer.startActiveSpan('price lookup', (span) => span.end());
        return { price: m.payload.q * 2 };
      });
      const [answer, traceId] = await tracer.startActiveSpan('quote', async (root) => {
        const reply = await bus.channel(channel).request({ q: 21 }, { timeoutMs: 20_000 });
        root.end();
        return [reply, root.spanContext().traceId] as const;
      });
      expect(answer).toEqual({ price: 42 });
      await waitFor(() => sdk().finished(inTrace(traceId)).some((s) => s.name === `request ${channel}`), { message: 'the request span' });
      const spans = sdk().finished(inTrace(traceId));
      const request = spans.find((s) => s.name === `request ${channel}`) as ReadableSpan;
      const served = spans.find((s) => s.name === `process ${channel}`) as ReadableSpan;
      const lookup = spans.find((s) => s.name === 'price lookup') as ReadableSpan;
      expect(request.kind).toBe(SpanKind.PRODUCER);
      expect(request.attributes).toMatchObject({ 'messaging.operation.name': 'request', 'messaging.operation.type': 'send', 'messaging.destination.name': channel });
      expect(served.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(lookup.parentSpanContext?.spanId).toBe(served.spanContext().spanId);
    });
  });
}
