import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';
import { elapsed, waitFor } from '../wait-for.js';

export function messageTtlScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('messageTtl')) return;
  describe('messageTtl', () => {
    it('discards a message not consumed within ttlMs', async () => {
      const ch = ctx.unique('ttl');
      const bus = await ctx.connect({ [ch]: { requires: { messageTtl: true }, groups: ['g'] } });
      const start = Date.now();
      await bus.channel(ch).publish('short-lived', { ttlMs: 200 });
      await bus.channel(ch).publish('kept');
      await elapsed(start, 600);
      const recorder = new Recorder<string>();
      await bus.channel(ch).subscribe('g', recorder.handler as never, { concurrency: 1 });
      await bus.channel(ch).publish('sentinel');
      // Order across partitions is not the point here (Kafka spreads unkeyed messages): what arrived is.
      await recorder.waitForCount(2, { timeoutMs: ctx.deliveryTimeoutMs });
      expect([...recorder.payloads].sort()).toEqual(['kept', 'sentinel']);
    });

    it('drops a message that expired while it waited behind a busy handler, wherever it was buffered', async () => {
      const ch = ctx.unique('ttl-busy');
      const bus = await ctx.connect({ [ch]: { requires: { messageTtl: true } } });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const handled: string[] = [];
      await bus.channel(ch).subscribe('g', async (m) => {
        handled.push(m.payload as string);
        if (m.payload === 'busy') await gate;
      }, { concurrency: 1 });
      await bus.channel(ch).publish('busy');
      await waitFor(() => handled.length === 1, { timeoutMs: ctx.deliveryTimeoutMs, message: 'the busy handler started' });
      // Issued together, so all five expire 300 ms after this however long the broker takes to confirm.
      const start = Date.now();
      await Promise.all(Array.from({ length: 5 }, (_, i) => bus.channel(ch).publish(`short-${i}`, { ttlMs: 300 })));
      await bus.channel(ch).publish('kept');
      // Long enough that the prefetched ones reached the consumer, then expired there.
      await elapsed(start, 800);
      release();
      await waitFor(() => handled.includes('kept'), { timeoutMs: ctx.deliveryTimeoutMs, message: 'the message without ttl' });
      expect(handled).toEqual(['busy', 'kept']);
    });
  });
}
