import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';
import { elapsed } from '../wait-for.js';

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
      await recorder.waitForMessage((m) => m.payload === 'sentinel', { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads).toEqual(['kept', 'sentinel']);
    });
  });
}
