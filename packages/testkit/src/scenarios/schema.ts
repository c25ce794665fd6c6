import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deadLetterInfo, SchemaError } from '@switchboard/core';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

const Order = z.object({ id: z.string(), total: z.number().nonnegative() });

export function schemaScenarios(ctx: ScenarioContext): void {
  describe('schema', () => {
    it('rejects an invalid payload on publish with SchemaError and sends nothing', async () => {
      const ch = ctx.unique('schema-pub');
      const bus = await ctx.connect({ [ch]: { schema: Order } });
      const recorder = new Recorder();
      await bus.channel(ch).subscribe('g', recorder.handler, { concurrency: 1 });
      const error = await bus.channel(ch).publish({ id: 'o-1', total: -5 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaError);
      expect((error as SchemaError).issues[0]?.path).toEqual(['total']);
      await bus.channel(ch).publish({ id: 'o-2', total: 5 });
      await recorder.waitForMessage((m) => (m.payload as { id: string }).id === 'o-2', { timeoutMs: ctx.deliveryTimeoutMs });
      expect(recorder.payloads).toEqual([{ id: 'o-2', total: 5 }]);
    });

    it('dead-letters an invalid payload on receive and keeps consuming', async () => {
      const ch = ctx.unique('schema-recv');
      const producer = await ctx.connect({ [ch]: {} });
      const consumer = await ctx.connect({ [ch]: { schema: Order } });
      const dead = new Recorder();
      await consumer.channel(`${ch}.dead`).subscribe('ops', dead.handler);
      const handled = new Recorder();
      await consumer.channel(ch).subscribe('g', handled.handler, { concurrency: 1 });
      await producer.channel(ch).publish({ id: 'bad', total: 'lots' }, { key: 'k' });
      await producer.channel(ch).publish({ id: 'good', total: 1 }, { key: 'k' });
      await handled.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(handled.payloads).toEqual([{ id: 'good', total: 1 }]);
      const [letter] = await dead.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(letter?.payload).toEqual({ id: 'bad', total: 'lots' });
      expect(deadLetterInfo(letter!)).toMatchObject({ errorCode: 'SB_SCHEMA', channel: ch, group: 'g', attempts: 1 });
      expect(deadLetterInfo(letter!)?.error).toContain('total');
    });
  });
}
