import { randomBytes } from 'node:crypto';
import { connect, type Bus, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterAll, expect, it } from 'vitest';
import { deleteChannelTopics, describeWithBroker, FAST_GROUPS, KAFKA_URL } from './kafka-env.js';

const suffix = randomBytes(4).toString('hex');
const channelName = `sbk-minbytes-${suffix}`;
const rpcName = `sbk-minbytes-rpc-${suffix}`;
afterAll(() => deleteChannelTopics([channelName, rpcName]));
const HELD = { ...FAST_GROUPS, maxWaitTimeMs: 1500, minBytes: 1 << 20 };

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describeWithBroker('kafka fetch minBytes', () => {
  it('lets the broker hold a fetch until minBytes are ready or maxWaitTimeMs passed, and still delivers everything', async () => {
    const { maxWaitTimeMs } = HELD;
    // 1 MiB is never ready from a trickle of small messages: every fetch is answered at maxWaitTimeMs.
    const bus = (await connect({ url: KAFKA_URL, options: HELD, channels: { [channelName]: {} } })) as unknown as Bus<never>;
    try {
      const channel = bus.channel(channelName as never) as unknown as { subscribe(g: string, h: (m: Message) => void): Promise<unknown>; publish(p: unknown): Promise<void> };
      const sentAt = new Map<number, number>();
      const latencies: number[] = [];
      await channel.subscribe('held', (m) => {
        latencies.push(Date.now() - (sentAt.get(m.payload as number) as number));
      });
      const total = 40;
      for (let n = 0; n < total; n++) {
        sentAt.set(n, Date.now());
        await channel.publish(n);
        // A trickle spread over about two fetch waits, so messages arrive at every point of a wait.
        await new Promise((resolve) => setTimeout(resolve, 75));
      }
      await waitFor(() => latencies.length === total, { timeoutMs: 20_000, message: 'every message delivered' });
      // With minBytes 1 each would be handled within milliseconds of its publish; held fetches
      // make a message wait on average half a fetch wait (a slow machine only adds to that).
      expect(median(latencies)).toBeGreaterThan(maxWaitTimeMs / 3);
      expect(Math.max(...latencies)).toBeGreaterThan(maxWaitTimeMs / 2);
    } finally {
      await bus.close();
    }
  });

  it('never holds the fetches of request/reply: responders and reply listeners fetch with minBytes 1', async () => {
    const bus = (await connect({ url: KAFKA_URL, options: HELD, channels: { [rpcName]: { requires: { requestReply: true } } } })) as unknown as Bus<never>;
    try {
      const channel = bus.channel(rpcName as never) as unknown as { respond(h: (m: Message) => unknown): Promise<unknown>; request(p: unknown, o: object): Promise<unknown> };
      await channel.respond((q) => (q.payload as number) * 2);
      const took: number[] = [];
      for (let n = 0; n < 5; n++) {
        const started = Date.now();
        expect(await channel.request(n, { timeoutMs: 15_000 })).toBe(n * 2);
        took.push(Date.now() - started);
      }
      // Two held fetches (responder, reply listener) would take about maxWaitTimeMs per request.
      expect(median(took)).toBeLessThan(HELD.maxWaitTimeMs / 3);
    } finally {
      await bus.close();
    }
  });
});
