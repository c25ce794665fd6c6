import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DeadLetterError, type DeadLetter } from '@switchboard/core';
import { rawWire } from '../raw-wire.js';
import { Recorder } from '../recorder.js';
import { waitFor } from '../wait-for.js';
import type { ScenarioContext } from '../scenario-context.js';

const Order = z.object({ id: z.string() });

export function deadLetterInspectionScenarios(ctx: ScenarioContext): void {
  if (!ctx.supports('deadLetter')) return;
  describe('dead letters are readable', () => {
    it('delivers each undecodable message once to <channel>.dead with its original bytes and content type', async () => {
      const ch = ctx.unique('dl-undecodable');
      const bus = await ctx.connect({ [ch]: { codec: 'text' } });
      const letters: DeadLetter<string>[] = [];
      await bus.channel(`${ch}.dead`).subscribe('ops', (letter) => void letters.push(letter as DeadLetter<string>), { concurrency: 1 });
      const handled = new Recorder<string>();
      await bus.channel(ch).subscribe('g', (m) => {
        if (m.payload === 'sentinel') throw new DeadLetterError('sentinel');
        handled.handler(m);
      }, { concurrency: 1 });
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
      const poison = [
        rawWire(png, { 'content-type': 'image/png' }, { key: 'k' }),
        rawWire('{"specversion":', { 'content-type': 'application/cloudevents+json' }, { key: 'k' }),
        rawWire('ok', {}, { key: 'k' }),
        rawWire('sentinel', {}, { key: 'k' }),
      ];
      await ctx.publishRaw(ch, poison);
      await handled.waitForCount(1, { timeoutMs: ctx.deliveryTimeoutMs });
      await waitFor(() => letters.some((l) => l.valid && l.payload === 'sentinel'), { timeoutMs: ctx.deliveryTimeoutMs, message: 'the sentinel dead letter' });
      const undecodable = letters.filter((l) => !l.valid);
      expect(undecodable).toHaveLength(2);
      expect(undecodable.map((l) => l.deadLetter.errorCode)).toEqual(['SB_CODEC', 'SB_CODEC']);
      expect(undecodable[0]).toMatchObject({ payload: png, deadLetter: { body: png, contentType: 'image/png', channel: ch, group: 'g', attempts: 1 } });
      expect(undecodable[1]?.deadLetter).toMatchObject({ body: Buffer.from('{"specversion":'), contentType: 'application/cloudevents+json' });
      expect(Buffer.isBuffer(undecodable[1]?.payload)).toBe(true);
    });

    it('skips the remaining attempts when a handler throws DeadLetterError, typed on the dead-letter channel', async () => {
      const ch = ctx.unique('dl-skip');
      const bus = await ctx.connect({ [ch]: { schema: Order } });
      const letters: DeadLetter<{ id: string }>[] = [];
      await bus.channel(`${ch}.dead`).subscribe('ops', (letter) => void letters.push(letter as DeadLetter<{ id: string }>));
      const attempts: number[] = [];
      await bus.channel(ch).subscribe(
        'g',
        (m) => {
          attempts.push(m.attempt);
          throw new DeadLetterError(`unknown customer for ${m.payload.id}`);
        },
        { retry: { maxAttempts: 5, initialDelayMs: 10 } },
      );
      await bus.channel(ch).publish({ id: 'o-1' }, { id: 'msg-1' });
      await waitFor(() => letters.length === 1, { timeoutMs: ctx.deliveryTimeoutMs, message: 'the dead letter' });
      const [letter] = letters;
      expect(attempts).toEqual([1]);
      expect(letter?.valid).toBe(true);
      if (letter?.valid) expect(letter.payload.id).toBe('o-1');
      expect(letter?.deadLetter).toMatchObject({ errorCode: 'SB_DEAD_LETTER', error: 'unknown customer for o-1', attempts: 1, id: 'msg-1', contentType: 'application/json' });
      expect(letter?.deadLetter.body.toString()).toBe('{"id":"o-1"}');
    });

    it('retries a failing handler of a dead-letter channel instead of creating <channel>.dead.dead', async () => {
      const ch = ctx.unique('dl-nested');
      const bus = await ctx.connect({ [ch]: {} });
      const deadDead = new Recorder();
      await bus.channel(`${ch}.dead.dead`).subscribe('ops', deadDead.handler);
      const attempts: number[] = [];
      await bus.channel(`${ch}.dead`).subscribe(
        'ops',
        (letter) => {
          attempts.push(letter.attempt);
          if (letter.attempt === 1) throw new Error('ops database down');
        },
        { retry: { maxAttempts: 1, initialDelayMs: 10 } },
      );
      await bus.channel(ch).subscribe('g', () => {
        throw new DeadLetterError('no');
      });
      await bus.channel(ch).publish({ n: 1 });
      await waitFor(() => attempts.length === 2, { timeoutMs: ctx.deliveryTimeoutMs, message: 'the retried dead letter' });
      expect(attempts).toEqual([1, 2]);
      expect(deadDead.messages).toHaveLength(0);
    });

    it('discards a dead letter whose handler throws DeadLetterError, and keeps going', async () => {
      const ch = ctx.unique('dl-discard');
      const bus = await ctx.connect({ [ch]: {} });
      const seen: unknown[] = [];
      await bus.channel(`${ch}.dead`).subscribe(
        'ops',
        (letter) => {
          seen.push(letter.payload);
          if ((letter.payload as { n: number }).n === 1) throw new DeadLetterError('not worth keeping');
        },
        { concurrency: 1 },
      );
      await bus.channel(ch).subscribe('g', () => {
        throw new DeadLetterError('no');
      }, { concurrency: 1 });
      await bus.channel(ch).publish({ n: 1 }, { key: 'k' });
      await bus.channel(ch).publish({ n: 2 }, { key: 'k' });
      await waitFor(() => seen.length >= 2, { timeoutMs: ctx.deliveryTimeoutMs, message: 'both dead letters' });
      expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    });
  });
}
