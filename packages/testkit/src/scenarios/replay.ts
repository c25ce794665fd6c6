import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';
import { elapsed } from '../wait-for.js';

export function replayScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('replay')) return;
  describe('replay', () => {
    it('replays from earliest, then continues live', async () => {
      const ch = ctx.unique('replay');
      const bus = await ctx.connect({ [ch]: { requires: { replay: true } } });
      for (let i = 1; i <= 5; i++) await bus.channel(ch).publish(`m${i}`, { key: 'k' });
      const recorder = new Recorder<string>();
      await bus.channel(ch).replay({ from: 'earliest' }, recorder.handler as never, { concurrency: 1 });
      await recorder.waitForCount(5, { timeoutMs: ctx.deliveryTimeoutMs });
      await bus.channel(ch).publish('m6', { key: 'k' });
      await recorder.waitForCount(6, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
      expect(recorder.messages.every((m) => typeof m.position === 'string')).toBe(true);
    });

    it('replays from a position (inclusive) taken from an earlier message', async () => {
      const ch = ctx.unique('replay-pos');
      const bus = await ctx.connect({ [ch]: { requires: { replay: true } } });
      for (let i = 1; i <= 5; i++) await bus.channel(ch).publish(`m${i}`, { key: 'k' });
      const first = new Recorder<string>();
      const sub = await bus.channel(ch).replay({ from: 'earliest' }, first.handler as never, { concurrency: 1 });
      await first.waitForCount(5, { timeoutMs: ctx.deliveryTimeoutMs });
      await sub.close();
      const position = first.messages[2]?.position as string;
      const again = new Recorder<string>();
      await bus.channel(ch).replay({ from: { position } }, again.handler as never, { concurrency: 1 });
      await again.waitForCount(3, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(again.payloads).toEqual(['m3', 'm4', 'm5']);
    });

    it('replays from a timestamp', async () => {
      const ch = ctx.unique('replay-time');
      const bus = await ctx.connect({ [ch]: { requires: { replay: true } } });
      await bus.channel(ch).publish('old', { key: 'k' });
      // Some brokers index time per second or per chunk: leave a clear gap.
      const published = Date.now();
      await elapsed(published, 1_500);
      const from = new Date();
      await bus.channel(ch).publish('new-1', { key: 'k' });
      await bus.channel(ch).publish('new-2', { key: 'k' });
      const recorder = new Recorder<string>();
      await bus.channel(ch).replay({ from: { timestamp: from } }, recorder.handler as never, { concurrency: 1 });
      await recorder.waitForCount(2, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads).toEqual(['new-1', 'new-2']);
    });

    it('moves no subscriber group position', async () => {
      const ch = ctx.unique('replay-groups');
      const bus = await ctx.connect({ [ch]: { requires: { replay: true }, groups: ['g'] } });
      const group = new Recorder<string>();
      const sub = await bus.channel(ch).subscribe('g', group.handler as never, { concurrency: 1 });
      for (let i = 1; i <= 3; i++) await bus.channel(ch).publish(`m${i}`, { key: 'k' });
      await group.waitForCount(3, { timeoutMs: ctx.deliveryTimeoutMs });
      await sub.close();
      const replayed = new Recorder<string>();
      const replay = await bus.channel(ch).replay({ from: 'earliest' }, replayed.handler as never, { concurrency: 1 });
      await replayed.waitForCount(3, { timeoutMs: ctx.deliveryTimeoutMs });
      await replay.close();
      await bus.channel(ch).publish('m4', { key: 'k' });
      const resumed = new Recorder<string>();
      await bus.channel(ch).subscribe('g', resumed.handler as never, { concurrency: 1 });
      await resumed.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      await bus.channel(ch).publish('m5', { key: 'k' });
      await resumed.waitForCount(2, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(resumed.payloads).toEqual(['m4', 'm5']);
    });
  });
}
