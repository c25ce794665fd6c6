import { describe, expect, it } from 'vitest';
import { deadLetterInfo } from '@switchboard/core';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

export function deadLetterScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('deadLetter')) return;
  describe('deadLetter', () => {
    it('retries with backoff, then dead-letters to <channel>.dead with the error; the channel keeps flowing', async () => {
      const ch = ctx.unique('dlq');
      const bus = await ctx.connect({ [ch]: { requires: { deadLetter: true } } });
      const dead = new Recorder();
      await bus.channel(`${ch}.dead`).subscribe('ops', dead.handler);
      const attempts: number[] = [];
      const good = new Recorder();
      await bus.channel(ch).subscribe(
        'billing',
        (m) => {
          if ((m.payload as { poison?: boolean }).poison) {
            attempts.push(m.attempt);
            throw new Error('card declined');
          }
          good.handler(m);
        },
        { retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 100 } },
      );
      await bus.channel(ch).publish({ poison: true }, { key: 'p', id: 'poison-1' });
      await bus.channel(ch).publish({ poison: false }, { key: 'q' });
      await good.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      const [letter] = await dead.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(attempts).toEqual([1, 2, 3]);
      expect(letter?.payload).toEqual({ poison: true });
      expect(letter?.id).toBe('poison-1');
      expect(deadLetterInfo(letter!)).toMatchObject({ error: 'card declined', attempts: 3, channel: ch, group: 'billing' });
    });

    it('retries only the group whose handler failed', async () => {
      const ch = ctx.unique('dlq-groups');
      const bus = await ctx.connect({ [ch]: { requires: { deadLetter: true } } });
      const ok = new Recorder();
      let flakyCalls = 0;
      await bus.channel(ch).subscribe('ok', ok.handler);
      const flaky = new Recorder();
      await bus.channel(ch).subscribe(
        'flaky',
        (m) => {
          flakyCalls++;
          if (m.attempt === 1) throw new Error('transient');
          flaky.handler(m);
        },
        { retry: { maxAttempts: 3, initialDelayMs: 20 } },
      );
      await bus.channel(ch).publish('x');
      await flaky.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      await ok.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(flakyCalls).toBe(2);
      expect(flaky.messages[0]?.attempt).toBe(2);
      expect(ok.messages.length).toBe(1);
    });
  });
}
