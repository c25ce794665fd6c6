import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/core';
import type { ScenarioContext } from '../scenario-context.js';
import { waitFor } from '../wait-for.js';

export function workQueueScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('workQueue')) return;
  describe('workQueue', () => {
    it('consumers in one group share the messages: each handled once, by both members', async () => {
      const ch = ctx.unique('work');
      const bus = await ctx.connect({ [ch]: { requires: { workQueue: true } } });
      const byMember: Record<string, number[]> = { a: [], b: [] };
      const slow = (member: string) => async (m: Message) => {
        byMember[member]?.push(m.payload as number);
        // Keep each member busy briefly so neither can drain the queue alone.
        await new Promise((resolve) => setTimeout(resolve, 5));
      };
      await bus.channel(ch).subscribe('workers', slow('a'), { concurrency: 1 });
      await bus.channel(ch).subscribe('workers', slow('b'), { concurrency: 1 });
      const sent = Array.from({ length: 60 }, (_, i) => i);
      await Promise.all(sent.map((n) => bus.channel(ch).publish(n, { key: `key-${n}` })));
      await waitFor(() => (byMember['a']?.length ?? 0) + (byMember['b']?.length ?? 0) >= 60, {
        timeoutMs: ctx.deliveryTimeoutMs,
        message: 'all 60 messages handled',
      });
      const all = [...(byMember['a'] ?? []), ...(byMember['b'] ?? [])].sort((x, y) => x - y);
      expect(all).toEqual(sent);
      expect(byMember['a']?.length).toBeGreaterThan(0);
      expect(byMember['b']?.length).toBeGreaterThan(0);
    });
  });
}
