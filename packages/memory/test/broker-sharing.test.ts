import { describe, expect, it } from 'vitest';
import { ConfigError, connect } from '@switchboard/core';
import { createManualClock } from '@switchboard/memory';
import { Recorder } from '@switchboard/testkit';

describe('memory broker sharing', () => {
  it('buses on the same memory://name share one broker; another name is a different broker', async () => {
    const producer = await connect({ url: 'memory://shared-a', channels: { news: { groups: ['readers'] } } });
    const consumer = await connect({ url: 'memory://shared-a?profile=rabbitmq' });
    const stranger = await connect({ url: 'memory://shared-b', channels: { news: { groups: ['readers'] } } });
    await producer.channel('news').publish('hello');
    const got = new Recorder();
    await consumer.channel('news').subscribe('readers', got.handler as never);
    await got.waitForCount(1);
    expect(got.payloads).toEqual(['hello']);
    const none = new Recorder();
    await stranger.channel('news').subscribe('readers', none.handler as never);
    await producer.channel('news').publish('second');
    await got.waitForCount(2);
    expect(none.payloads).toEqual([]);
    await Promise.all([producer.close(), consumer.close(), stranger.close()]);
  });

  it('discards a broker when the last bus using it closes', async () => {
    const first = await connect({ url: 'memory://ephemeral', channels: { jobs: { groups: ['g'] } } });
    await first.channel('jobs').publish('left behind');
    await first.close();
    const second = await connect({ url: 'memory://ephemeral', channels: { jobs: { groups: ['g'] } } });
    await second.channel('jobs').publish('fresh');
    const got = new Recorder();
    await second.channel('jobs').subscribe('g', got.handler as never);
    await got.waitForCount(1);
    expect(got.payloads).toEqual(['fresh']);
    await second.close();
  });

  it('refuses settings that conflict with a running broker of the same name', async () => {
    const bus = await connect({ url: 'memory://settled?retention=10' });
    await expect(connect({ url: 'memory://settled?retention=20' })).rejects.toThrow(/retention 20 conflicts with the running memory:\/\/settled broker/);
    await expect(connect({ url: 'memory://settled', options: { clock: createManualClock() } })).rejects.toBeInstanceOf(ConfigError);
    const same = await connect({ url: 'memory://settled' });
    await Promise.all([bus.close(), same.close()]);
  });
});
