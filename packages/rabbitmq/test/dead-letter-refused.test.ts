import { connect, deadLetterInfo, type Message } from '@switchboard/core';
import { Recorder } from '@switchboard/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerSkipReason, RABBIT_URL, silentLogger, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => void (await Promise.all(opened.splice(0).map((b) => b.close()))));

describe.skipIf(skip !== undefined)('a dead letter the broker refuses', () => {
  it('is sent reduced (without the original headers) instead of holding the channel; later messages flow', async () => {
    const ch = unique('dl-refused');
    const warnings: string[] = [];
    const bus = await connect({ url: RABBIT_URL, logger: { ...silentLogger, warn: (m) => void warnings.push(m) }, channels: { [ch]: { requires: { deadLetter: true } } } });
    opened.push(bus);
    const dead = new Recorder();
    await bus.channel(`${ch}.dead`).subscribe('ops', dead.handler);
    const good = new Recorder();
    await bus.channel(ch).subscribe(
      'g',
      (m: Message) => {
        // The error text fills the dead letter's headers past AMQP's header-table limit beside x-big.
        if ((m.payload as { poison?: boolean }).poison) throw new Error('e'.repeat(5000));
        good.handler(m);
      },
      { retry: { maxAttempts: 1 }, concurrency: 1 },
    );
    await bus.channel(ch).publish({ poison: true }, { id: 'poison', headers: { 'x-big': 'h'.repeat(60_000) } });
    await Promise.all(Array.from({ length: 30 }, (_, i) => bus.channel(ch).publish({ i })));
    await good.waitForCount(30, { timeoutMs: 15_000 });
    const [letter] = await dead.waitForCount(1, { timeoutMs: 15_000 });
    expect(letter?.id).toBe('poison');
    expect(letter?.headers['x-big']).toBeUndefined();
    expect(deadLetterInfo(letter!)).toMatchObject({ channel: ch, group: 'g', attempts: 1, headersDropped: true });
    expect(warnings.some((w) => /refused the dead letter/.test(w))).toBe(true);
    // The refusal did not lower the bus's size limit: a 100 KB body still goes through.
    await bus.channel(ch).publish({ big: 'b'.repeat(100_000) });
    await good.waitForCount(31, { timeoutMs: 15_000 });
  });
});
