import { describe, expect, it } from 'vitest';
import { connect, type Message } from '@switchboard/core';

/** Resolves once `count` messages were seen. */
function collector(count: number): { seen: Message[]; done: Promise<void>; add(message: Message): void } {
  const seen: Message[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    seen,
    done,
    add(message) {
      seen.push(message);
      if (seen.length === count) resolve();
    },
  };
}

describe('memory fanout: one decode shared by every group', () => {
  it('gives every group its own message, headers and timestamp, so a handler changing them is not seen by another group', async () => {
    const bus = await connect({ url: 'memory://fanout-isolation', channels: { news: { groups: ['a', 'b', 'c'] } } });
    const channel = bus.channel('news');
    // Published before anyone subscribes: the three deliveries of each message come from one stored message.
    await channel.publish({ n: 1, list: [1] }, { key: 'k', headers: { origin: 'test' } });
    await channel.publish(Buffer.from('bytes'), { headers: { origin: 'test' } });
    const seen = { a: collector(2), b: collector(2), c: collector(2) };
    const mutating = (message: Message) => {
      seen.a.add(structuredClone({ ...message, timestamp: message.timestamp.getTime() }) as unknown as Message);
      (message.headers as Record<string, string>)['origin'] = 'changed by a';
      message.headers['added'] = 'by a';
      message.timestamp.setTime(0);
      message.id = 'changed';
      if (!Buffer.isBuffer(message.payload)) (message.payload as { list: number[] }).list.push(2);
    };
    await channel.subscribe('a', mutating);
    await seen.a.done;
    await channel.subscribe('b', (message) => seen.b.add(message));
    await channel.subscribe('c', (message) => seen.c.add(message));
    await Promise.all([seen.b.done, seen.c.done]);
    for (const group of [seen.b.seen, seen.c.seen]) {
      const [json, bytes] = group as [Message, Message];
      expect(json.payload).toEqual({ n: 1, list: [1] });
      expect(json.headers).toEqual({ origin: 'test' });
      expect(json.key).toBe('k');
      expect(json.id).toBe((seen.a.seen[0] as Message).id);
      expect(json.timestamp.getTime()).toBe((seen.a.seen[0] as unknown as { timestamp: number }).timestamp);
      expect(bytes.headers).toEqual({ origin: 'test' });
      expect(Buffer.from(bytes.payload as Buffer).toString()).toBe('bytes');
    }
    // Objects are never shared between groups; the body buffer is (as it always was).
    expect((seen.b.seen[0] as Message).payload).not.toBe((seen.c.seen[0] as Message).payload);
    expect((seen.b.seen[0] as Message).headers).not.toBe((seen.c.seen[0] as Message).headers);
    expect((seen.b.seen[0] as Message).timestamp).not.toBe((seen.c.seen[0] as Message).timestamp);
    await bus.close();
  });

  it('reads the attempt count per delivery: a retry in one group does not change another group', async () => {
    const bus = await connect({ url: 'memory://fanout-attempts', channels: { jobs: { groups: ['flaky', 'steady'] } } });
    const channel = bus.channel('jobs');
    const flaky: number[] = [];
    const steady: number[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    await channel.subscribe(
      'flaky',
      (message) => {
        flaky.push(message.attempt);
        if (message.attempt < 3) throw new Error('not yet');
        resolve();
      },
      { retry: { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 2 } },
    );
    await channel.subscribe('steady', (message) => void steady.push(message.attempt));
    await channel.publish('job');
    await done;
    expect(flaky).toEqual([1, 2, 3]);
    expect(steady).toEqual([1]);
    await bus.close();
  });

  it('a group far behind its siblings still gets every message right (deliveries stop sharing the decode while it lags)', async () => {
    const bus = await connect({ url: 'memory://fanout-window', channels: { feed: { groups: ['fast', 'slow'] } } });
    const channel = bus.channel('feed');
    const total = 6_000;
    await Promise.all(Array.from({ length: total }, (_, n) => channel.publish({ n }, { headers: { n: String(n) } })));
    const fast = collector(total);
    await channel.subscribe('fast', (message) => fast.add(message));
    await fast.done;
    const slow = collector(total);
    await channel.subscribe('slow', (message) => slow.add(message));
    await slow.done;
    slow.seen.forEach((message, n) => {
      expect(message.payload).toEqual({ n });
      expect(message.headers).toEqual({ n: String(n) });
      expect(message.id).toBe((fast.seen[n] as Message).id);
    });
    await bus.close();
  });
});
