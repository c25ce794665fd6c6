import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

export function envelopeScenarios(ctx: ScenarioContext): void {
  describe('envelope', () => {
    it('carries id, key, headers, type, time and traceparent', async () => {
      const ch = ctx.unique('envelope');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler);
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const before = Date.now();
      await bus.channel(ch).publish(
        { hello: 'world' },
        { key: 'k-1', id: 'id-123', type: 'com.example.greeting', headers: { tenant: 'acme' }, traceparent },
      );
      const [m] = await recorder.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(m).toMatchObject({ payload: { hello: 'world' }, id: 'id-123', key: 'k-1', type: 'com.example.greeting', traceparent, attempt: 1 });
      expect(m?.headers).toEqual({ tenant: 'acme' });
      expect(m?.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(m?.timestamp.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      expect(m?.redelivered).toBe(false);
    });

    it('round-trips binary and text payloads', async () => {
      const ch = ctx.unique('payloads');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler, { concurrency: 1 });
      const bytes = Buffer.from([0, 1, 2, 254, 255]);
      await bus.channel(ch).publish(bytes, { key: 'same' });
      await bus.channel(ch).publish('plain text', { key: 'same' });
      await bus.channel(ch).publish([1, 'two', null], { key: 'same' });
      const messages = await recorder.waitForCount(3, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(Buffer.from(messages[0]?.payload as Uint8Array)).toEqual(bytes);
      expect(messages.slice(1).map((m) => m.payload)).toEqual(['plain text', [1, 'two', null]]);
    });
  });
}
