import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/core';
import type { ScenarioContext } from '../scenario-context.js';
import { waitFor } from '../wait-for.js';

interface Handled {
  n: number;
  attempt: number;
}

/**
 * Where a failed attempt waits for its backoff: never in front of the other messages of its
 * partition or queue, never in front of another subscriber group, and in place (holding its key)
 * on channels that declared orderedByKey.
 */
export function retrySchedulingScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('deadLetter')) return;
  describe('deadLetter retry scheduling', () => {
    it('a delayed retry does not block other messages of the same partition/queue', async () => {
      const ch = ctx.unique('retry-nonblocking');
      // One partition, concurrency 1: with the retry waiting in place, the 20 later messages would wait out the backoff.
      const bus = await ctx.connect({ [ch]: { requires: { deadLetter: true }, partitions: 1 } });
      const handled: Handled[] = [];
      await bus.channel(ch).subscribe(
        'worker',
        failingFirstAttemptOf0(handled),
        { concurrency: 1, retry: { maxAttempts: 3, initialDelayMs: 2_000, jitter: 0 } },
      );
      await bus.channel(ch).publish({ n: 0 });
      // Issued together (one batch, in order): one confirm round trip, not 20 in a row that a loaded
      // broker could stretch past the backoff, which would let the retry come back in between.
      await Promise.all(Array.from({ length: 20 }, (_, i) => bus.channel(ch).publish({ n: i + 1 })));
      await waitFor(() => handled.some((h) => h.n === 0), { timeoutMs: ctx.deliveryTimeoutMs, message: 'the retry of message 0 handled' });
      expect(handled).toHaveLength(21);
      // Every later message was handled before the retry came back.
      expect(handled.at(-1)).toEqual({ n: 0, attempt: 2 });
      expect(handled.slice(0, 20).map((h) => h.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('a retry reaches only the failing group, which handles it once', async () => {
      const ch = ctx.unique('retry-group');
      const bus = await ctx.connect({ [ch]: { requires: { deadLetter: true }, partitions: 1, groups: ['steady', 'flaky'] } });
      const steady: string[] = [];
      const flaky: { payload: string; attempt: number }[] = [];
      await bus.channel(ch).subscribe('steady', (m: Message) => void steady.push(m.payload as string));
      await bus.channel(ch).subscribe(
        'flaky',
        (m: Message) => {
          if (m.payload === 'x' && m.attempt === 1) throw new Error('transient');
          flaky.push({ payload: m.payload as string, attempt: m.attempt });
        },
        { retry: { maxAttempts: 3, initialDelayMs: 50 } },
      );
      await bus.channel(ch).publish('x');
      await waitFor(() => flaky.length >= 1, { timeoutMs: ctx.deliveryTimeoutMs, message: 'the retry handled by flaky' });
      // Published after the retry was handled, on the one partition / into the same queues: a retry that
      // had leaked to the channel (and so to steady) would be handled by steady before the marker.
      await bus.channel(ch).publish('marker');
      await waitFor(() => steady.includes('marker') && flaky.some((f) => f.payload === 'marker'), { timeoutMs: ctx.deliveryTimeoutMs, message: 'the marker handled by both groups' });
      expect(steady).toEqual(['x', 'marker']);
      expect(flaky).toEqual([
        { payload: 'x', attempt: 2 },
        { payload: 'marker', attempt: 1 },
      ]);
    });

    if (ctx.supports('orderedByKey')) {
      it('on an orderedByKey channel a retry keeps its place: later messages of the key wait for it', async () => {
        const ch = ctx.unique('retry-ordered');
        const bus = await ctx.connect({ [ch]: { requires: { deadLetter: true, orderedByKey: true }, partitions: 1 } });
        const handled: Handled[] = [];
        await bus.channel(ch).subscribe(
          'g',
          failingFirstAttemptOf0(handled),
          { concurrency: 4, retry: { maxAttempts: 3, initialDelayMs: 300, jitter: 0 } },
        );
        for (let n = 0; n < 5; n++) await bus.channel(ch).publish({ n }, { key: 'k' });
        await waitFor(() => handled.length >= 5, { timeoutMs: ctx.deliveryTimeoutMs, message: 'all five handled' });
        expect(handled).toEqual([{ n: 0, attempt: 2 }, ...[1, 2, 3, 4].map((n) => ({ n, attempt: 1 }))]);
      });
    }
  });
}

/** A handler of `{ n }` payloads whose first attempt at message 0 fails; it records what it handled. */
function failingFirstAttemptOf0(handled: Handled[]): (m: Message) => void {
  return (m) => {
    const { n } = m.payload as { n: number };
    if (n === 0 && m.attempt === 1) throw new Error('first attempt fails');
    handled.push({ n, attempt: m.attempt });
  };
}
