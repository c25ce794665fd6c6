import { describe, expect, it } from 'vitest';
import { connect, type Message } from '@switchboard/core';
import { Recorder, waitFor } from '@switchboard/testkit';

describe('memory subscriber groups', () => {
  it('fans out to every group and shares within one (competing consumers)', async () => {
    const bus = await connect({ url: 'memory://groups-compete', channels: { orders: { requires: { fanout: true, workQueue: true } } } });
    const orders = bus.channel('orders');
    const a = new Recorder();
    const b = new Recorder();
    const audit = new Recorder();
    const slow = (recorder: Recorder) => async (m: Message) => {
      recorder.handler(m);
      await new Promise((resolve) => setImmediate(resolve));
    };
    await orders.subscribe('billing', slow(a) as never, { concurrency: 2 });
    await orders.subscribe('billing', slow(b) as never, { concurrency: 2 });
    await orders.subscribe('audit', audit.handler as never);
    const sent = Array.from({ length: 200 }, (_, i) => i);
    await Promise.all(sent.map((n) => orders.publish(n)));
    await waitFor(() => a.messages.length + b.messages.length === 200 && audit.messages.length === 200, { message: 'all handled' });
    expect(([...a.payloads, ...b.payloads] as number[]).sort((x, y) => x - y)).toEqual(sent);
    expect(a.messages.length).toBeGreaterThan(50);
    expect(b.messages.length).toBeGreaterThan(50);
    expect(audit.payloads).toEqual(sent);
    await bus.close();
  });

  it('a declared group keeps messages from creation; an undeclared one starts at the log end', async () => {
    const bus = await connect({ url: 'memory://groups-declared', channels: { events: { groups: ['declared'] } } });
    const events = bus.channel('events');
    await events.publish('before');
    const declared = new Recorder();
    const undeclared = new Recorder();
    await events.subscribe('declared', declared.handler as never);
    await events.subscribe('undeclared', undeclared.handler as never);
    await events.publish('after');
    await declared.waitForCount(2);
    await undeclared.waitForCount(1);
    expect(declared.payloads).toEqual(['before', 'after']);
    expect(undeclared.payloads).toEqual(['after']);
    await bus.close();
  });

  it('a group keeps its queue after its members close; a re-subscribe gets what was published meanwhile', async () => {
    const bus = await connect({ url: 'memory://groups-durable', channels: { events: {} } });
    const events = bus.channel('events');
    const first = new Recorder();
    const sub = await events.subscribe('g', first.handler as never);
    await events.publish('one');
    await first.waitForCount(1);
    await sub.close();
    await events.publish('two');
    await events.publish('three');
    const second = new Recorder();
    await events.subscribe('g', second.handler as never, { concurrency: 1 });
    await second.waitForCount(2);
    expect(second.payloads).toEqual(['two', 'three']);
    await bus.close();
  });

  it('gives unacked deliveries of a closed consumer back to the group, marked redelivered', async () => {
    const bus = await connect({ url: 'memory://groups-unacked', channels: { jobs: { groups: ['g'] } } });
    const jobs = bus.channel('jobs');
    for (let i = 0; i < 3; i++) await jobs.publish(i);
    const started: number[] = [];
    const hung = await jobs.subscribe(
      'g',
      async (m: Message) => {
        started.push(m.payload as number);
        await new Promise(() => {});
      },
      { concurrency: 2, drainTimeoutMs: 20 },
    );
    await waitFor(() => started.length === 2, { message: 'two in flight' });
    await hung.close();
    const again = new Recorder();
    await jobs.subscribe('g', again.handler as never, { concurrency: 1 });
    await again.waitForCount(3);
    expect(again.payloads).toEqual([0, 1, 2]);
    expect(again.messages.map((m) => m.redelivered)).toEqual([true, true, false]);
    await bus.close();
  });

  it('retries through the group queue with the attempt count, then succeeds', async () => {
    const bus = await connect({ url: 'memory://groups-retry', channels: { jobs: {} } });
    const attempts: number[] = [];
    await bus.channel('jobs').subscribe(
      'g',
      (m: Message) => {
        attempts.push(m.attempt);
        if (m.attempt < 3) throw new Error('not yet');
      },
      { retry: { maxAttempts: 5, initialDelayMs: 1, jitter: 0 } },
    );
    await bus.channel('jobs').publish('x');
    await waitFor(() => attempts.length === 3, { message: 'three attempts' });
    expect(attempts).toEqual([1, 2, 3]);
    await bus.close();
  });

  it('keeps key order across two members of an ordered group', async () => {
    const bus = await connect({ url: 'memory://groups-ordered', channels: { ledger: { requires: { orderedByKey: true } } } });
    const seen = new Map<string, number[]>();
    const handler = async (m: Message) => {
      const [key, n] = (m.payload as string).split(':') as [string, string];
      await new Promise((resolve) => setImmediate(resolve));
      seen.set(key, [...(seen.get(key) ?? []), Number(n)]);
    };
    await bus.channel('ledger').subscribe('g', handler, { concurrency: 8 });
    await bus.channel('ledger').subscribe('g', handler, { concurrency: 8 });
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const sends: Promise<void>[] = [];
    for (let n = 0; n < 40; n++) for (const key of keys) sends.push(bus.channel('ledger').publish(`${key}:${n}`, { key }));
    await Promise.all(sends);
    await waitFor(() => keys.every((k) => seen.get(k)?.length === 40), { message: 'all keys done' });
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await bus.close();
  });
});
