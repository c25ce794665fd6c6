import { randomBytes } from 'node:crypto';
import { connect, type Bus, type Message } from '@switchboard/core';
import { Recorder, waitFor } from '@switchboard/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { deleteChannelTopics, describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

const kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
const opened: Bus<never>[] = [];
const created: string[] = [];
afterEach(async () => void (await Promise.all(opened.splice(0).map((b) => b.close()))));
afterAll(() => deleteChannelTopics(created), 60_000);

type Api = {
  publish(p: unknown, o?: object): Promise<void>;
  subscribe(g: string, h: (m: Message) => unknown, o?: object): Promise<{ close(): Promise<void> }>;
};

function name(prefix: string): string {
  const channel = `sbk-${prefix}-${randomBytes(4).toString('hex')}`;
  created.push(channel);
  return channel;
}

async function openBus(channel: string, requires: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<Bus<never>> {
  const bus = (await connect({
    url: KAFKA_URL,
    options: { ...FAST_GROUPS },
    channels: { [channel]: { requires: { priority: true, ...requires }, groups: ['g'], ...extra } },
  })) as unknown as Bus<never>;
  opened.push(bus);
  return bus;
}

async function open(channel: string, requires: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<Api> {
  return (await openBus(channel, requires, extra)).channel(channel as never) as unknown as Api;
}

describeWithBroker('kafka priority (bucket topics)', () => {
  it('creates the bucket topics and routes each priority to its level', async () => {
    const ch = name('prio-topics');
    const bus = await openBus(ch, {}, { maxPriority: 10 });
    const channel = bus.channel(ch as never) as unknown as Api;
    expect(bus.report().topology[ch]).toMatchObject({
      names: { topic: ch, 'priority level 1': `${ch}.priority-1`, 'priority level 2': `${ch}.priority-2` },
      settings: { priorityLevels: 3 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).toEqual(expect.arrayContaining([ch, `${ch}.priority-1`, `${ch}.priority-2`]));
      await channel.publish('p0', { priority: 0 });
      await channel.publish('p5', { priority: 5 });
      await channel.publish('p10', { priority: 10 });
      const ends = async (t: string) => (await admin.fetchTopicOffsets(t)).reduce((n, o) => n + Number(o.high), 0);
      expect([await ends(ch), await ends(`${ch}.priority-1`), await ends(`${ch}.priority-2`)]).toEqual([1, 1, 1]);
    } finally {
      await admin.disconnect();
    }
    const seen: Message[] = [];
    await channel.subscribe('g', (m) => void seen.push(m), { concurrency: 1 });
    await waitFor(() => seen.length === 3, { timeoutMs: 15_000, message: 'three messages' });
    expect(seen.map((m) => [m.payload, m.priority])).toEqual([['p10', 10], ['p5', 5], ['p0', 0]]);
  });

  it('delivers a record a plain kafkajs producer wrote to the channel topic (no priority: the lowest level)', async () => {
    const ch = name('prio-foreign');
    const channel = await open(ch);
    const seen: Message[] = [];
    await channel.subscribe('g', (m) => void seen.push(m));
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: ch, messages: [{ value: JSON.stringify({ from: 'kafkajs' }), headers: { 'content-type': 'application/json' } }] });
    } finally {
      await producer.disconnect();
    }
    await waitFor(() => seen.length === 1, { timeoutMs: 15_000, message: 'the foreign record' });
    expect(seen[0]?.payload).toEqual({ from: 'kafkajs' });
    expect(seen[0]?.priority).toBeUndefined();
  });

  it('forwards a delayed priority message to its bucket topic when due', async () => {
    const ch = name('prio-delay');
    const channel = await open(ch, { delayedDelivery: true });
    await channel.publish('later-urgent', { priority: 9, delayMs: 500 });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(async () => (await admin.fetchTopicOffsets(`${ch}.priority-2`)).some((o) => Number(o.high) > 0), { timeoutMs: 15_000, message: 'the forwarded record in the top bucket' });
      expect((await admin.fetchTopicOffsets(ch)).every((o) => Number(o.high) === 0)).toBe(true);
    } finally {
      await admin.disconnect();
    }
    const seen: Message[] = [];
    await channel.subscribe('g', (m) => void seen.push(m));
    await waitFor(() => seen.length === 1, { timeoutMs: 15_000, message: 'the delayed message' });
    expect(seen[0]).toMatchObject({ payload: 'later-urgent', priority: 9 });
  });

  it('commits every bucket topic per partition; a second subscription continues where the first stopped', async () => {
    const ch = name('prio-commit');
    const channel = await open(ch);
    await Promise.all(Array.from({ length: 20 }, (_, i) => channel.publish(`m-${i}`, { priority: i % 11 })));
    const first = new Recorder<string>();
    const sub = await channel.subscribe('g', first.handler as never, { concurrency: 4 });
    await first.waitForCount(20, { timeoutMs: 15_000 });
    await sub.close();
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const [topic, group] of [
        [ch, `${ch}:g`],
        [`${ch}.priority-1`, `${ch}:g.priority-1`],
        [`${ch}.priority-2`, `${ch}:g.priority-2`],
      ] as const) {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        for (const end of ends) expect(committed?.partitions.find((p) => p.partition === end.partition)?.offset, `${topic}/${end.partition}`).toBe(end.high);
      }
    } finally {
      await admin.disconnect();
    }
    await channel.publish('after', { priority: 10 });
    const second = new Recorder<string>();
    await channel.subscribe('g', second.handler as never);
    await second.waitForCount(1, { timeoutMs: 15_000 });
    expect(second.payloads).toEqual(['after']);
  });

  it('two members of a group share every level; when one leaves, the other takes its partitions over', async () => {
    const ch = name('prio-members');
    const a = await open(ch);
    const b = await open(ch);
    const seen = new Set<string>();
    const record = (m: Message) => void seen.add(m.payload as string);
    const subA = await a.subscribe('g', record, { concurrency: 2 });
    await b.subscribe('g', record, { concurrency: 2 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => a.publish(`m-${i}`, { priority: i % 11 })));
    await waitFor(() => seen.size === 60, { timeoutMs: 20_000, message: `60 messages (have ${seen.size})` });
    await subA.close();
    await Promise.all(Array.from({ length: 30 }, (_, i) => a.publish(`n-${i}`, { priority: (i * 7) % 11 })));
    await waitFor(() => seen.size === 90, { timeoutMs: 30_000, message: `30 more after a member left (have ${seen.size})` });
  });

  it('close() in the middle of a backlog loses nothing: what waited locally is read again by the next subscription', async () => {
    const ch = name('prio-close');
    const channel = await open(ch);
    await Promise.all(Array.from({ length: 120 }, (_, i) => channel.publish(`m-${i}`, { priority: (i * 5) % 11 })));
    const seen = new Set<string>();
    let handled = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // From the 10th message on, handlers wait until after close(): the rest of the backlog is fetched and held locally meanwhile.
    const sub = await channel.subscribe('g', async (m) => {
      seen.add(m.payload as string);
      if (++handled >= 10) await released;
    }, { concurrency: 2, drainTimeoutMs: 300 });
    await waitFor(() => handled >= 11, { timeoutMs: 15_000, message: 'eleven handled' });
    // The two waiting handlers outlast the drain: close() gives up on them uncommitted.
    await sub.close();
    release();
    expect(handled).toBe(11);
    await channel.subscribe('g', (m) => void seen.add(m.payload as string), { concurrency: 8 });
    await waitFor(() => seen.size === 120, { timeoutMs: 20_000, message: `all 120 after a restart (have ${seen.size})` });
  });

  it('refuses channel names that end like a bucket topic', async () => {
    await expect(connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels: { 'jobs.priority-1': {} } }).then(async (bus) => {
      opened.push(bus as unknown as Bus<never>);
      await (bus.channel('jobs.priority-1') as unknown as Api).publish('x');
    })).rejects.toThrow(/ends in "\.priority-1", which Kafka priority uses for a bucket topic of channel "jobs"/);
  });

  it('refuses priority together with orderedByKey at connect(), before any traffic', async () => {
    const ch = name('prio-ordered');
    await expect(connect({ url: KAFKA_URL, channels: { [ch]: { requires: { priority: true, orderedByKey: true } } } })).rejects.toMatchObject({
      code: 'SB_CAPABILITY',
      problems: [expect.objectContaining({ capability: 'priority', support: 'unsupported', satisfiedBy: ['memory', 'rabbitmq'] })],
    });
  });
});
