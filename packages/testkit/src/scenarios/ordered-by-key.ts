import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/core';
import type { ScenarioContext } from '../scenario-context.js';
import { waitFor } from '../wait-for.js';

export function orderedByKeyScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('orderedByKey')) return;
  describe('orderedByKey', () => {
    it('handles each key in publish order with concurrency > 1, different keys in parallel', async () => {
      const ch = ctx.unique('ordered');
      const bus = await ctx.connect({ [ch]: { requires: { orderedByKey: true } } });
      const seen = new Map<string, number[]>();
      let running = 0;
      let maxRunning = 0;
      let handled = 0;
      await bus.channel(ch).subscribe(
        'g',
        async (m: Message) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          const { k, i } = m.payload as { k: string; i: number };
          await new Promise((resolve) => setTimeout(resolve, (i * 7 + k.length) % 4));
          seen.set(k, [...(seen.get(k) ?? []), i]);
          running--;
          handled++;
        },
        { concurrency: 8 },
      );
      const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
      const perKey = 25;
      for (let i = 0; i < perKey; i++) {
        await Promise.all(keys.map((k) => bus.channel(ch).publish({ k, i }, { key: k })));
      }
      await waitFor(() => handled >= keys.length * perKey, { timeoutMs: ctx.deliveryTimeoutMs * 2, message: 'all messages handled' });
      for (const k of keys) expect(seen.get(k)).toEqual(Array.from({ length: perKey }, (_, i) => i));
      expect(maxRunning).toBeGreaterThan(1);
    });
  });
}
