import { describe, expect, it } from 'vitest';
import { ClosedError } from '@switchboard/core';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';
import { waitFor } from '../wait-for.js';

export function lifecycleScenarios(ctx: ScenarioContext): void {
  describe('lifecycle', () => {
    it('delivers a message published after subscribe() resolved', async () => {
      const ch = ctx.unique('live');
      const bus = await ctx.connect({ [ch]: {} });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler);
      await bus.channel(ch).publish({ n: 1 });
      const [message] = await recorder.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(message?.payload).toEqual({ n: 1 });
    });

    it('close() waits for in-flight handlers, then is idempotent', async () => {
      const ch = ctx.unique('drain');
      const bus = await ctx.connect({ [ch]: {} });
      let started = false;
      let finished = false;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const sub = await bus.channel(ch).subscribe('g', async () => {
        started = true;
        await gate;
        finished = true;
      });
      await bus.channel(ch).publish('x');
      await waitFor(() => started, { timeoutMs: ctx.deliveryTimeoutMs, message: 'handler started' });
      const closing = sub.close();
      setTimeout(release, 50);
      await closing;
      expect(finished).toBe(true);
      expect(sub.closed).toBe(true);
      await sub.close();
    });

    it('a message whose handler did not finish before close is delivered again', async () => {
      const ch = ctx.unique('unacked');
      const bus = await ctx.connect({ [ch]: { groups: ['g'] } });
      let release!: () => void;
      const hang = new Promise<void>((resolve) => (release = resolve));
      let seen = 0;
      const first = await bus.channel(ch).subscribe('g', async () => {
        seen++;
        await hang;
      }, { drainTimeoutMs: 100 });
      await bus.channel(ch).publish({ n: 1 });
      await waitFor(() => seen === 1, { timeoutMs: ctx.deliveryTimeoutMs, message: 'first delivery' });
      await first.close();
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler);
      const [again] = await recorder.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(again?.payload).toEqual({ n: 1 });
      release();
    });

    it('bus.close() waits for publishes issued before it, even the first one of a declared channel', async () => {
      const ch = ctx.unique('close-publish');
      // The reader connects first: an embedded broker lives as long as one bus uses it.
      const reader = await ctx.connect({ [ch]: { groups: ['g'] } });
      const bus = await ctx.connect({ [ch]: { groups: ['g'] } });
      const issued = Array.from({ length: 200 }, (_, n) => bus.channel(ch).publish({ n }));
      await bus.close();
      const results = await Promise.allSettled(issued);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const recorder = new Recorder();
      await reader.channel(ch).subscribe('g', recorder.handler);
      await recorder.waitForCount(200, { timeoutMs: ctx.deliveryTimeoutMs });
    });

    it('close() starts no new handler once called: what was buffered goes back to the broker', async () => {
      const ch = ctx.unique('close-stop');
      const bus = await ctx.connect({ [ch]: { groups: ['g'] } });
      for (let n = 0; n < 20; n++) await bus.channel(ch).publish({ n });
      let started = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const sub = await bus.channel(ch).subscribe('g', async () => {
        started++;
        await gate;
      }, { concurrency: 2 });
      await waitFor(() => started === 2, { timeoutMs: ctx.deliveryTimeoutMs, message: 'two handlers running' });
      const closing = sub.close();
      release();
      await closing;
      expect(started).toBe(2);
      // Nothing was lost: the other 18 (and none of the 2 finished) come to the next subscriber.
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler);
      await recorder.waitForCount(18, { timeoutMs: ctx.deliveryTimeoutMs });
    });

    it('after bus.close(), publish and subscribe throw ClosedError and close() is idempotent', async () => {
      const ch = ctx.unique('closed');
      const bus = await ctx.connect({ [ch]: {} });
      const channel = bus.channel(ch);
      await bus.close();
      await expect(channel.publish('x')).rejects.toBeInstanceOf(ClosedError);
      await expect(channel.subscribe('g', () => {})).rejects.toMatchObject({ code: 'SB_CLOSED' });
      expect(() => bus.channel(ch)).toThrow(ClosedError);
      await bus.close();
      expect(bus.closed).toBe(true);
    });
  });
}
