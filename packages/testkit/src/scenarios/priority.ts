import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

export function priorityScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('priority')) return;
  describe('priority', () => {
    it('a waiting higher-priority message overtakes a backlog', async () => {
      const ch = ctx.unique('priority');
      // One partition: a partitioned backend keeps publish order per partition only, and this checks FIFO within a level too.
      const bus = await ctx.connect({ [ch]: { requires: { priority: true }, groups: ['workers'], partitions: 1 } });
      const channel = bus.channel(ch);
      await Promise.all(Array.from({ length: 30 }, (_, i) => channel.publish(`low-${i}`, { priority: 1 })));
      await channel.publish('urgent', { priority: 9 });
      const recorder = new Recorder<string>();
      await channel.subscribe('workers', recorder.handler as never, { concurrency: 1 });
      await recorder.waitForCount(31, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads[0]).toBe('urgent');
      expect(recorder.payloads.slice(1)).toEqual(Array.from({ length: 30 }, (_, i) => `low-${i}`));
    });

    it('a backlog: waiting high-priority messages go first with concurrency > 1', async () => {
      const ch = ctx.unique('priority-backlog');
      const bus = await ctx.connect({ [ch]: { requires: { priority: true }, groups: ['workers'] } });
      const channel = bus.channel(ch);
      const concurrency = 4;
      await Promise.all(Array.from({ length: 200 }, (_, i) => channel.publish(`low-${i}`, { priority: 1 })));
      await Promise.all(Array.from({ length: 10 }, (_, i) => channel.publish(`high-${i}`, { priority: 9 })));
      const recorder = new Recorder<string>();
      await channel.subscribe('workers', recorder.handler as never, { concurrency });
      await recorder.waitForCount(210, { timeoutMs: ctx.deliveryTimeoutMs });
      // Allowance: a prefetch of `concurrency` taken before the highs were seen, and as many again in flight.
      const first = recorder.payloads.slice(0, concurrency * 2 + 10);
      expect(first.filter((p) => p.startsWith('high-')).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `high-${i}`).sort());
      expect(new Set(recorder.payloads).size).toBe(210);
    });

    it('rejects a priority outside 0..maxPriority', async () => {
      const ch = ctx.unique('priority-range');
      const bus = await ctx.connect({ [ch]: { requires: { priority: true }, maxPriority: 5 } });
      await expect(bus.channel(ch).publish('x', { priority: 6 })).rejects.toMatchObject({ code: 'SB_CONFIG' });
    });
  });
}
