import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

export function priorityScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('priority')) return;
  describe('priority', () => {
    it('a waiting higher-priority message overtakes a backlog', async () => {
      const ch = ctx.unique('priority');
      const bus = await ctx.connect({ [ch]: { requires: { priority: true }, groups: ['workers'] } });
      const channel = bus.channel(ch);
      await Promise.all(Array.from({ length: 30 }, (_, i) => channel.publish(`low-${i}`, { priority: 1 })));
      await channel.publish('urgent', { priority: 9 });
      const recorder = new Recorder<string>();
      await channel.subscribe('workers', recorder.handler as never, { concurrency: 1 });
      await recorder.waitForCount(31, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads[0]).toBe('urgent');
      expect(recorder.payloads.slice(1)).toEqual(Array.from({ length: 30 }, (_, i) => `low-${i}`));
    });

    it('rejects a priority outside 0..maxPriority', async () => {
      const ch = ctx.unique('priority-range');
      const bus = await ctx.connect({ [ch]: { requires: { priority: true }, maxPriority: 5 } });
      await expect(bus.channel(ch).publish('x', { priority: 6 })).rejects.toMatchObject({ code: 'SB_CONFIG' });
    });
  });
}
