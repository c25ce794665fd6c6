import { describe, expect, it } from 'vitest';
import { ConfigError, connect } from '@switchboard/core';
import { createManualClock } from '@switchboard/memory';
import { Recorder } from '@switchboard/testkit';

describe('memory replay', () => {
  it('replays from a position (inclusive), then continues live', async () => {
    const bus = await connect({ url: 'memory://replay-position', channels: { audit: { requires: { replay: true }, groups: ['g'] } } });
    const audit = bus.channel('audit');
    for (let i = 0; i < 5; i++) await audit.publish(i);
    const first = new Recorder();
    const sub = await audit.subscribe('g', first.handler, { concurrency: 1 });
    const messages = await first.waitForCount(5);
    await sub.close();
    const third = messages[2];
    expect(third?.position).toBeTypeOf('string');

    const replayed = new Recorder();
    await audit.replay({ from: { position: third!.position! } }, replayed.handler);
    await replayed.waitForCount(3);
    await audit.publish(5);
    await replayed.waitForCount(4);
    expect(replayed.payloads).toEqual([2, 3, 4, 5]);
    await bus.close();
  });

  it('replays from a timestamp on the broker clock', async () => {
    const clock = createManualClock(Date.UTC(2030, 0, 1));
    const bus = await connect({ url: 'memory://replay-time', options: { clock }, channels: { audit: { requires: { replay: true } } } });
    const audit = bus.channel('audit');
    await audit.publish('old-1');
    await audit.publish('old-2');
    clock.advance(60_000);
    const cut = new Date(clock.now());
    await audit.publish('new-1');
    clock.advance(1);
    await audit.publish('new-2');
    const replayed = new Recorder();
    await audit.replay({ from: { timestamp: cut } }, replayed.handler);
    await replayed.waitForCount(2);
    expect(replayed.payloads).toEqual(['new-1', 'new-2']);
    await bus.close();
  });

  it('keeps only the last `retention` messages; earliest means the oldest retained', async () => {
    const bus = await connect({ url: 'memory://replay-retention?retention=3', channels: { audit: { requires: { replay: true } } } });
    for (let i = 0; i < 10; i++) await bus.channel('audit').publish(i);
    const replayed = new Recorder();
    await bus.channel('audit').replay({ from: 'earliest' }, replayed.handler);
    await replayed.waitForCount(3);
    await bus.channel('audit').publish(10);
    await replayed.waitForCount(4);
    expect(replayed.payloads).toEqual([7, 8, 9, 10]);
    expect(replayed.messages[0]?.position).toBe('7');
    await bus.close();
  });

  it('refuses a position that is not one of its own', async () => {
    const bus = await connect({ url: 'memory://replay-bad', channels: { audit: { requires: { replay: true } } } });
    await expect(bus.channel('audit').replay({ from: { position: 'kafka:0:12' } }, () => {})).rejects.toBeInstanceOf(ConfigError);
    await bus.close();
  });
});
