// bus.health() and bus.on('connection') on Kafka: every client the bus opened, and consumer lag.
import { randomBytes } from 'node:crypto';
import { connect, type Bus, type ConnectionStatus, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterAll, afterEach, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import { cleanKafka } from '../../../test/observability/broker-cleanup.js';
import { describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

const run = `sbkh-${randomBytes(3).toString('hex')}`;
const unique = (prefix: string): string => `${run}-${prefix}-${randomBytes(4).toString('hex')}`;
// Channels are created per test with random names, so they are typed loosely here.
type AnyBus = Omit<Bus, 'channel'> & { channel(name: string, spec?: object): any };
const opened: AnyBus[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

const brokers = KAFKA_BROKERS;

describeWithBroker('kafka health', () => {
  afterAll(() => cleanKafka(brokers, run), 60_000);
  it('lists the producer and one consumer per subscription with their state; a closed subscription’s consumer leaves the list', async () => {
    const channel = unique('health');
    const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels: { [channel]: { groups: ['billing'] } } })) as unknown as AnyBus;
    opened.push(bus);
    const events: ConnectionStatus[] = [];
    bus.on('connection', (status) => void events.push(status));
    expect(bus.health()).toMatchObject({ backend: 'kafka', ok: true, connections: [{ name: 'producer', state: 'ready', endpoint: KAFKA_URL.replace(/^kafka:\/\//, '') }] });
    const sub = await bus.channel(channel).subscribe('billing', () => {});
    const names = bus.health().connections.map((c) => c.name);
    expect(names.some((name) => name.startsWith('consumer ') && name.endsWith(`${channel}:billing`))).toBe(true);
    expect(bus.health().ok).toBe(true);
    await sub.close();
    expect(bus.health().connections.map((c) => c.name).filter((name) => name.endsWith(`${channel}:billing`))).toEqual([]);
    expect(events.some((e) => e.name.endsWith(`${channel}:billing`) && e.state === 'closed')).toBe(true);
  });

  it('a consumer whose topic was deleted is lost in health() (it cannot read), and ready again once the topic is back', async () => {
    const channel = unique('gone');
    const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels: { [channel]: { groups: ['w'] } } })) as unknown as AnyBus;
    opened.push(bus);
    const events: ConnectionStatus[] = [];
    bus.on('connection', (status) => void events.push(status));
    const handled: unknown[] = [];
    await bus.channel(channel).subscribe('w', (m: Message) => void handled.push(m.payload));
    const consumer = (): ConnectionStatus | undefined => bus.health().connections.find((c) => c.name.startsWith('consumer ') && c.name.endsWith(`${channel}:w`));
    const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [channel] });
      await waitFor(() => consumer()?.state === 'lost', { timeoutMs: 30_000, message: 'the consumer reported lost' });
      expect(bus.health().ok).toBe(false);
      expect(consumer()?.error?.message).toBeTruthy();
      // Both the consumer (subscription status) and its client (connection status) report it; either may be last.
      expect(['connection', 'subscription']).toContain(bus.health().lastError?.source);
      await admin.createTopics({ topics: [{ topic: channel, numPartitions: 3 }] });
      await waitFor(() => consumer()?.state === 'ready', { timeoutMs: 60_000, message: 'the consumer ready again' });
      expect(bus.health().ok).toBe(true);
      expect(events.filter((e) => e.name === consumer()?.name).map((e) => e.state)).toEqual(['ready', 'lost', 'ready']);
      await bus.channel(channel).publish({ back: true });
      await waitFor(() => handled.length === 1, { timeoutMs: 30_000, message: 'a message after recovery' });
    } finally {
      await admin.disconnect();
    }
  });

  it('reports consumer lag while a backlog waits, down to zero once it is handled', async () => {
    const channel = unique('lag');
    const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels: { [channel]: { groups: ['w'], partitions: 1 } } })) as unknown as AnyBus;
    opened.push(bus);
    await Promise.all(Array.from({ length: 300 }, (_, n) => bus.channel(channel).publish({ n })));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: number[] = [];
    const sub = await bus.channel(channel).subscribe(
      'w',
      async (m: Message<{ n: number }>) => {
        await gate;
        handled.push(m.payload.n);
      },
      { concurrency: 1 },
    );
    const lagOf = (): number | undefined => (sub as unknown as { gauge: { lag: number | undefined } }).gauge.lag;
    await waitFor(() => (lagOf() ?? 0) > 0, { timeoutMs: 30_000, message: 'a lag above zero while the handler is held' });
    release();
    await waitFor(() => handled.length === 300, { timeoutMs: 60_000, message: 'the backlog handled' });
    await waitFor(() => lagOf() === 0, { timeoutMs: 30_000, message: 'lag back to zero' });
  });
});
