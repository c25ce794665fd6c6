import { connect, SwitchboardError } from '@switchboard/core';
import { Recorder } from '@switchboard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerSkipReason, RABBIT_URL, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => void (await Promise.all(opened.splice(0).map((b) => b.close()))));

describe.skipIf(skip !== undefined)('per-message limits', () => {
  it('an oversized header, an over-long routing key or a too-long delay fails only its own publish, never the batch beside it', async () => {
    const ch = unique('limits');
    const bus = await connect({
      url: RABBIT_URL,
      channels: { [ch]: { requires: { delayedDelivery: true }, options: { rabbitmq: { exchange: { type: 'topic' }, routingKey: { from: 'key', default: 'none' } } } } },
    });
    opened.push(bus);
    const got = new Recorder();
    await bus.channel(ch).subscribe('g', got.handler);
    const channel = bus.channel(ch);
    const bad = [
      () => channel.publish({ n: -1 }, { headers: { big: 'h'.repeat(70_000) } }),
      () => channel.publish({ n: -2 }, { key: 'k'.repeat(300) }),
      () => channel.publish({ n: -3 }, { delayMs: 20 * 24 * 3600 * 1000 }),
    ];
    for (const [i, call] of bad.entries()) {
      const [refused, ...valid] = await Promise.allSettled([call(), channel.publish({ n: i }), channel.publish({ n: i + 100 }, { key: 'a.b' })]);
      expect(refused.status).toBe('rejected');
      expect(SwitchboardError.is((refused as PromiseRejectedResult).reason)).toBe(true);
      expect(valid.map((v) => v.status)).toEqual(['fulfilled', 'fulfilled']);
    }
    await got.waitForCount(6, { timeoutMs: 15_000 });
    // The header refusal did not lower the bus's size limit.
    await channel.publish({ big: 'b'.repeat(100_000) });
    await got.waitForCount(7, { timeoutMs: 15_000 });
  });
});
