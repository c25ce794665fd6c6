import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

export function fanoutScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('fanout')) return;
  describe('fanout', () => {
    it('every subscriber group gets every message', async () => {
      const ch = ctx.unique('fanout');
      const bus = await ctx.connect({ [ch]: { requires: { fanout: true } } });
      const billing = new Recorder<number>();
      const shipping = new Recorder<number>();
      await bus.channel(ch).subscribe('billing', billing.handler as never);
      await bus.channel(ch).subscribe('shipping', shipping.handler as never);
      const sent = Array.from({ length: 20 }, (_, i) => i);
      await Promise.all(sent.map((n) => bus.channel(ch).publish(n, { key: `k${n}` })));
      await billing.waitForCount(20, { timeoutMs: ctx.deliveryTimeoutMs });
      await shipping.waitForCount(20, { timeoutMs: ctx.deliveryTimeoutMs });
      expect([...billing.payloads].sort((a, b) => a - b)).toEqual(sent);
      expect([...shipping.payloads].sort((a, b) => a - b)).toEqual(sent);
    });

    it('keeps messages for a group declared up front until it first subscribes', async () => {
      const ch = ctx.unique('declared');
      const bus = await ctx.connect({ [ch]: { requires: { fanout: true }, groups: ['late'] } });
      await bus.channel(ch).publish('before', { key: 'k' });
      const late = new Recorder();
      await bus.channel(ch).subscribe('late', late.handler);
      await bus.channel(ch).publish('after', { key: 'k' });
      await late.waitForCount(2, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(late.payloads).toEqual(['before', 'after']);
    });
  });
}
