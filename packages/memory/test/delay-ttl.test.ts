import { describe, expect, it } from 'vitest';
import { connect } from '@switchboard/core';
import { createManualClock } from '@switchboard/memory';
import { Recorder } from '@switchboard/testkit';

// A manual clock makes time-based behaviour exact: nothing is due until the test advances it.
// Each "not yet" check publishes an undelayed marker and waits for it, so it is not a sleep.
describe('memory delay and TTL on an injected clock', () => {
  it('delivers a delayed message no earlier than delayMs, without holding back others', async () => {
    const clock = createManualClock(1_000_000);
    const bus = await connect({
      url: 'memory://delay-lower-bound',
      options: { clock },
      channels: { later: { requires: { delayedDelivery: true } } },
    });
    const later = bus.channel('later');
    const recorder = new Recorder();
    await later.subscribe('g', recorder.handler);
    await later.publish('delayed', { delayMs: 500 });
    await later.publish('marker-0');
    await recorder.waitForMessage((m) => m.payload === 'marker-0');
    clock.advance(499);
    await later.publish('marker-499');
    await recorder.waitForMessage((m) => m.payload === 'marker-499');
    expect(recorder.payloads).not.toContain('delayed');
    clock.advance(1);
    const delayed = await recorder.waitForMessage((m) => m.payload === 'delayed');
    expect(delayed.attempt).toBe(1);
    expect(recorder.payloads).toEqual(['marker-0', 'marker-499', 'delayed']);
    await bus.close();
  });

  it('keeps publish order among messages with the same delay', async () => {
    const clock = createManualClock();
    const bus = await connect({ url: 'memory://delay-order', options: { clock }, channels: { later: { requires: { delayedDelivery: true }, groups: ['g'] } } });
    for (let i = 0; i < 10; i++) await bus.channel('later').publish(i, { delayMs: 100 });
    clock.advance(100);
    const recorder = new Recorder();
    await bus.channel('later').subscribe('g', recorder.handler, { concurrency: 1 });
    await recorder.waitForCount(10);
    expect(recorder.payloads).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await bus.close();
  });

  it('drops a message not consumed within ttlMs, even while it waits in a group queue', async () => {
    const clock = createManualClock();
    const bus = await connect({ url: 'memory://ttl-waiting', options: { clock }, channels: { fresh: { requires: { messageTtl: true }, groups: ['g'] } } });
    const fresh = bus.channel('fresh');
    await fresh.publish('stale', { ttlMs: 100 });
    await fresh.publish('keeps', { ttlMs: 10_000 });
    await fresh.publish('forever');
    clock.advance(100);
    const recorder = new Recorder();
    await fresh.subscribe('g', recorder.handler, { concurrency: 1 });
    await recorder.waitForCount(2);
    expect(recorder.payloads).toEqual(['keeps', 'forever']);
    await bus.close();
  });

  it('expires a message queued behind a busy consumer', async () => {
    const clock = createManualClock();
    const bus = await connect({ url: 'memory://ttl-busy', options: { clock }, channels: { fresh: { requires: { messageTtl: true } } } });
    const fresh = bus.channel('fresh');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const recorder = new Recorder();
    await fresh.subscribe(
      'g',
      async (m) => {
        recorder.handler(m as never);
        if (m.payload === 'busy') await gate;
      },
      { concurrency: 1 },
    );
    await fresh.publish('busy');
    await recorder.waitForCount(1);
    await fresh.publish('short-lived', { ttlMs: 50 });
    await fresh.publish('after');
    clock.advance(50);
    release();
    await recorder.waitForMessage((m) => m.payload === 'after');
    expect(recorder.payloads).toEqual(['busy', 'after']);
    await bus.close();
  });

  it('counts TTL from when a delayed message becomes due', async () => {
    const clock = createManualClock();
    const bus = await connect({
      url: 'memory://ttl-delay',
      options: { clock },
      channels: { both: { requires: { messageTtl: true, delayedDelivery: true }, groups: ['g'] } },
    });
    await bus.channel('both').publish('x', { delayMs: 1000, ttlMs: 100 });
    clock.advance(1050);
    const recorder = new Recorder();
    await bus.channel('both').subscribe('g', recorder.handler);
    await recorder.waitForCount(1);
    expect(recorder.payloads).toEqual(['x']);
    await bus.close();
  });
});
