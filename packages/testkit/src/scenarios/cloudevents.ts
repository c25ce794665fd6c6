import { describe, expect, it } from 'vitest';
import { ConfigError, deadLetterInfo } from '@switchboard/core';
import { rawWire } from '../raw-wire.js';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export function cloudEventsScenarios(ctx: ScenarioContext): void {
  describe('CloudEvents and trace context', () => {
    it('reads a foreign binary-mode event with every prefix the binding allows: subject, extensions, partitionkey, its own time', async () => {
      const ch = ctx.unique('ce-binary');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler, { concurrency: 1 });
      const event = (prefix: string, n: number) =>
        rawWire(`{"n":${n}}`, {
          [`${prefix}specversion`]: '1.0',
          [`${prefix}id`]: `evt-${n}`,
          [`${prefix}source`]: '/inventory',
          [`${prefix}type`]: 'com.acme.stock.changed',
          [`${prefix}time`]: '2021-03-04T05:06:07.089Z',
          [`${prefix}subject`]: `sku-${n}`,
          [`${prefix}partitionkey`]: 'sku',
          [`${prefix}tenant`]: 'acme',
          'content-type': 'application/json',
          region: 'eu',
        });
      await ctx.publishRaw(ch, ctx.cloudEventsPrefixes.map((prefix, i) => event(prefix, i)));
      const messages = await recorder.waitForCount(ctx.cloudEventsPrefixes.length, { timeoutMs: ctx.deliveryTimeoutMs });
      for (const [i, m] of messages.entries()) {
        expect(m).toMatchObject({ payload: { n: i }, id: `evt-${i}`, source: '/inventory', type: 'com.acme.stock.changed', subject: `sku-${i}`, key: 'sku', extensions: { tenant: 'acme' } });
        expect(m.headers).toEqual({ region: 'eu' });
        expect(m.timestamp.toISOString()).toBe('2021-03-04T05:06:07.089Z');
      }
    });

    it('decodes a structured-mode event into the same message', async () => {
      const ch = ctx.unique('ce-structured');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler);
      const event = { specversion: '1.0', id: 'evt-s', source: '/billing', type: 'invoice.issued', time: '2022-02-02T02:02:02Z', subject: 'inv-9', traceparent: TRACEPARENT, priorityclass: 'gold', datacontenttype: 'application/json', data: { amount: 12 } };
      await ctx.publishRaw(ch, [rawWire(JSON.stringify(event), { 'content-type': 'application/cloudevents+json; charset=UTF-8' })]);
      const [m] = await recorder.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(m).toMatchObject({ payload: { amount: 12 }, id: 'evt-s', source: '/billing', type: 'invoice.issued', subject: 'inv-9', traceparent: TRACEPARENT, extensions: { priorityclass: 'gold' }, contentType: 'application/json' });
      expect(m?.timestamp.toISOString()).toBe('2022-02-02T02:02:02.000Z');
    });

    it('round-trips subject and a trace context injected into headers the way OpenTelemetry does', async () => {
      const ch = ctx.unique('ce-trace');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler, { concurrency: 1 });
      await bus.channel(ch).publish({ a: 1 }, { subject: 'order-1', headers: { traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7', tenant: 't' } });
      await ctx.publishRaw(ch, [rawWire('{"a":2}', { traceparent: TRACEPARENT })]);
      const [mine, foreign] = await recorder.waitForCount(2, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(mine).toMatchObject({ subject: 'order-1', traceparent: TRACEPARENT, tracestate: 'rojo=00f067aa0ba902b7', headers: { tenant: 't' } });
      expect(foreign).toMatchObject({ traceparent: TRACEPARENT, headers: {} });
    });

    it('refuses a malformed traceparent and reserved headers on publish, sending nothing', async () => {
      const ch = ctx.unique('ce-refuse');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler);
      await expect(bus.channel(ch).publish(1, { traceparent: '00-nope-01' })).rejects.toBeInstanceOf(ConfigError);
      for (const name of ['sb-attempt', 'sb-dead-channel', 'x-switchboard-expires-at', `${ctx.cloudEventsPrefixes[0]}id`]) {
        await expect(bus.channel(ch).publish(1, { headers: { [name]: '9' } })).rejects.toThrow(/reserved/);
      }
      await bus.channel(ch).publish(2);
      await recorder.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads).toEqual([2]);
    });

    it('does not trust control headers from foreign messages', async () => {
      const ch = ctx.unique('ce-forged');
      const bus = await ctx.connect({ [ch]: {} });
      const attempts: number[] = [];
      const seen = new Recorder();
      await bus.channel(ch).subscribe(
        'g',
        (m) => {
          attempts.push(m.attempt);
          seen.handler(m);
          if (m.attempt < 3) throw new Error('again');
        },
        { retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 } },
      );
      await ctx.publishRaw(ch, [rawWire('{"f":1}', { 'sb-attempt': '99', 'sb-dead-channel': 'elsewhere', 'sb-dead-attempts': '7', tenant: 't' })]);
      await seen.waitForCount(3, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(attempts).toEqual([1, 2, 3]);
      expect(seen.messages[0]?.headers).toEqual({ tenant: 't' });
      expect(deadLetterInfo(seen.messages[0]!)).toBeUndefined();
    });

    it('gives foreign messages ids that are unique in the channel', async () => {
      const ch = ctx.unique('ce-ids');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler);
      await ctx.publishRaw(ch, Array.from({ length: 6 }, (_, i) => rawWire(`${i}`, {}, { key: `k${i % 3}` })));
      const messages = await recorder.waitForCount(6, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(new Set(messages.map((m) => m.id)).size).toBe(6);
    });
  });
}
