import { randomBytes } from 'node:crypto';
import { connect, type Bus, type Message } from '@switchboard/core';
import { Recorder, waitFor } from '@switchboard/testkit';
import kafkajs from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import { describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

const opened: Bus<never>[] = [];
afterEach(async () => void (await Promise.all(opened.splice(0).map((b) => b.close()))));

const open = async (channel: string): Promise<Bus<never>> => {
  const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels: { [channel]: { requires: { delayedDelivery: true }, groups: ['g'] } } })) as unknown as Bus<never>;
  opened.push(bus);
  return bus;
};
type Api = { publish(p: unknown, o?: object): Promise<void>; subscribe(g: string, h: (m: Message) => void): Promise<unknown> };

describeWithBroker('kafka delayed delivery', () => {
  it('delivers each message no earlier than its delay, across 40 different delays (lateness measured)', async () => {
    const ch = `sbk-delay-${randomBytes(4).toString('hex')}`;
    const bus = await open(ch);
    const due = new Map<number, number>();
    const lateness: number[] = [];
    await (bus.channel(ch) as unknown as Api).subscribe('g', (m) => {
      const n = (m.payload as { n: number }).n;
      lateness.push(Date.now() - (due.get(n) as number));
    });
    // 40 messages, delays 300..4200 ms published in shuffled order.
    const delays = Array.from({ length: 40 }, (_, n) => ({ n, delayMs: 300 + ((n * 7919) % 40) * 100 }));
    await Promise.all(delays.map(({ n, delayMs }) => {
      due.set(n, Date.now() + delayMs);
      return (bus.channel(ch) as unknown as Api).publish({ n }, { delayMs });
    }));
    await waitFor(() => lateness.length === delays.length, { timeoutMs: 30_000, message: `all ${delays.length} delayed messages (have ${lateness.length})` });
    const sorted = [...lateness].sort((a, b) => a - b);
    console.log(`kafka delay lateness over ${sorted.length} messages: min ${sorted[0]} ms, p50 ${sorted[sorted.length >> 1]} ms, max ${sorted.at(-1)} ms`);
    expect(sorted[0]).toBeGreaterThanOrEqual(-2);
    expect(sorted.at(-1)).toBeLessThan(2_000);
  });

  it('a delayed message survives the process that published it: another bus forwards it when due', async () => {
    const ch = `sbk-delay-restart-${randomBytes(4).toString('hex')}`;
    const publisher = await open(ch);
    const start = Date.now();
    await (publisher.channel(ch) as unknown as Api).publish({ n: 1 }, { delayMs: 3_000 });
    await publisher.close();
    const next = await open(ch);
    const got = new Recorder();
    await (next.channel(ch) as unknown as Api).subscribe('g', got.handler);
    await got.waitForCount(1, { timeoutMs: 30_000 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(3_000 - 2);
    expect(got.payloads).toEqual([{ n: 1 }]);
  });
  it('refuses at publish a delay its delay topic would not keep (retention.ms), naming both; a shorter delay in the same tick is delivered', async () => {
    const ch = `sbk-delay-retention-${randomBytes(4).toString('hex')}`;
    const admin = new kafkajs.Kafka({ brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      // An operator's existing delay topic that keeps records 5 s.
      await admin.createTopics({ topics: [{ topic: `${ch}.delay`, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '5000' }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const bus = await open(ch);
    const channel = bus.channel(ch) as unknown as Api;
    const got = new Recorder();
    await channel.subscribe('g', got.handler);
    const [long, short] = await Promise.allSettled([channel.publish({ n: 1 }, { delayMs: 5_000 }), channel.publish({ n: 2 }, { delayMs: 200 })]);
    expect(long.status).toBe('rejected');
    expect((long as PromiseRejectedResult).reason).toMatchObject({ code: 'SB_CONFIG' });
    expect(String((long as PromiseRejectedResult).reason.message)).toContain(`retention.ms of its delay topic "${ch}.delay" (5000 ms)`);
    expect(short.status).toBe('fulfilled');
    await got.waitForCount(1, { timeoutMs: 15_000 });
    expect(got.payloads).toEqual([{ n: 2 }]);
  });
});
