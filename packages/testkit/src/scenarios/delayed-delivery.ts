import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

export function delayedDeliveryScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('delayedDelivery')) return;
  describe('delayedDelivery', () => {
    it('delivers no earlier than delayMs, without holding back undelayed messages', async () => {
      const ch = ctx.unique('delay');
      const bus = await ctx.connect({ [ch]: { requires: { delayedDelivery: true } } });
      const received = new Map<string, number>();
      const recorder = new Recorder<string>();
      await bus.channel(ch).subscribe('g', (m) => {
        received.set(m.payload as string, Date.now());
        recorder.handler(m as never);
      });
      const start = Date.now();
      await bus.channel(ch).publish('later', { delayMs: 700 });
      await bus.channel(ch).publish('now');
      await recorder.waitForCount(2, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads).toEqual(['now', 'later']);
      // 2 ms: Date.now() granularity on both sides of the measurement.
      expect((received.get('later') as number) - start).toBeGreaterThanOrEqual(700 - 2);
    });
  });
}
