import { randomBytes } from 'node:crypto';
import { connect, ConfigError, type Backend, type BackendFactory, type Bus, type Message } from '@switchboard/core';
import { createKafkaBackend } from '@switchboard/kafka';
import { waitFor } from '@switchboard/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, expect, it } from 'vitest';
import { deleteChannelTopics, describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

// Non-blocking retries: a failed message waits in its group's retry topic, not in front of its partition.
const kafka = new Kafka({ brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
const buses: Bus<never>[] = [];
const created: string[] = [];

afterEach(async () => void (await Promise.all(buses.splice(0).map((b) => b.close()))));
afterAll(() => deleteChannelTopics(created), 60_000);

function channelName(prefix: string): string {
  const name = `sbt-retry-${prefix}-${randomBytes(4).toString('hex')}`;
  created.push(name);
  return name;
}

type Api = {
  publish(p: unknown, o?: object): Promise<void>;
  subscribe(g: string, h: (m: Message) => unknown, o?: object): Promise<{ close(): Promise<void> }>;
};

async function open(channels: Record<string, object>, backend?: BackendFactory): Promise<Bus<never>> {
  const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels, ...(backend !== undefined && { backend }) })) as unknown as Bus<never>;
  buses.push(bus);
  return bus;
}

const api = (bus: Bus<never>, ch: string): Api => bus.channel(ch) as unknown as Api;

/** The Kafka backend as it was before retry topics: its deliveries offer no retryLater, so core retries in-process. */
const inProcessRetries: BackendFactory = {
  name: 'kafka',
  schemes: ['kafka'],
  create(context): Backend {
    const backend = createKafkaBackend({ url: context.url, options: context.options, logger: context.logger });
    const consume = backend.consume.bind(backend);
    backend.consume = (channel, group, options, deliver) =>
      consume(channel, group, options, (delivery) => {
        delete delivery.retryLater;
        return deliver(delivery);
      });
    return backend;
  },
};

/** All records of a topic, read from the start by a consumer that is not Switchboard. */
async function readAll(topic: string, count: number): Promise<{ value: string; headers: Record<string, string>; key: string | undefined }[]> {
  const consumer = kafka.consumer({ groupId: `sbt-retry-reader-${randomBytes(4).toString('hex')}` });
  const records: { value: string; headers: Record<string, string>; key: string | undefined }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = String(value);
        records.push({ value: message.value?.toString() ?? '', headers, key: message.key?.toString() });
      },
    });
    await waitFor(() => records.length >= count, { timeoutMs: 20_000, message: `${count} records of ${topic} (have ${records.length})` });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/**
 * One message fails once with `backoffMs`; returns how long each of the 20 later ones waited
 * (publish call → handler start) and how many of them were handled before the retry.
 */
async function blockedBy(backoffMs: number, backend?: BackendFactory): Promise<{ waits: number[]; retryLateness: number; handledBeforeRetry: number }> {
  const ch = channelName('blocking');
  const bus = await open({ [ch]: { requires: { deadLetter: true }, partitions: 1 } }, backend);
  const published = new Map<number, number>();
  const waits: number[] = [];
  let failedAt = 0;
  let retriedAt = 0;
  let handledBeforeRetry = 0;
  await api(bus, ch).subscribe(
    'g',
    (m) => {
      const { n } = m.payload as { n: number };
      if (n === 0) {
        if (m.attempt === 1) {
          failedAt = Date.now();
          throw new Error('first attempt fails');
        }
        retriedAt = Date.now();
        return;
      }
      waits.push(Date.now() - (published.get(n) as number));
      if (retriedAt === 0) handledBeforeRetry++;
    },
    { concurrency: 1, retry: { maxAttempts: 3, initialDelayMs: backoffMs, jitter: 0 } },
  );
  await api(bus, ch).publish({ n: 0 });
  for (let n = 1; n <= 20; n++) {
    published.set(n, Date.now());
    await api(bus, ch).publish({ n });
  }
  await waitFor(() => waits.length === 20 && retriedAt > 0, { timeoutMs: 30_000, message: 'all 21 handled' });
  return { waits, retryLateness: retriedAt - failedAt - backoffMs, handledBeforeRetry };
}

const stats = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `min ${sorted[0]} ms, p50 ${sorted[sorted.length >> 1]} ms, max ${sorted.at(-1)} ms`;
};

describeWithBroker('kafka retry topics', () => {
  it('keeps retries out of the channel topic: a foreign consumer reads only the original, the retry topic holds the retry', async () => {
    const ch = channelName('isolated');
    const bus = await open({ [ch]: { requires: { deadLetter: true }, partitions: 2 } });
    const attempts: number[] = [];
    await api(bus, ch).subscribe(
      'billing',
      (m) => {
        attempts.push(m.attempt);
        if (m.attempt < 3) throw new Error('not yet');
      },
      { retry: { maxAttempts: 5, initialDelayMs: 50 } },
    );
    await api(bus, ch).publish({ order: 1 }, { key: 'cust-7' });
    await waitFor(() => attempts.length === 3, { timeoutMs: 20_000, message: 'three attempts' });
    expect(attempts).toEqual([1, 2, 3]);
    const channelRecords = await readAll(ch, 1);
    expect(channelRecords).toHaveLength(1);
    expect(channelRecords[0]?.headers['sb-attempt']).toBeUndefined();
    const retries = await readAll(`${ch}.${ch}_3abilling.retry`, 2);
    expect(retries.map((r) => r.headers['sb-attempt'])).toEqual(['2', '3']);
    expect(retries.every((r) => r.key === 'cust-7' && JSON.parse(r.value).order === 1 && Number(r.headers['sb-retry-at']) > 0)).toBe(true);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [meta] = (await admin.fetchTopicMetadata({ topics: [`${ch}.${ch}_3abilling.retry`] })).topics;
      expect(meta?.partitions).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });

  it('a retry waiting in the retry topic survives the process: the next member of the group handles it when due, once', async () => {
    const ch = channelName('restart');
    const spec = { [ch]: { requires: { deadLetter: true }, partitions: 1, groups: ['g'] } };
    const first = await open(spec);
    let failedAt = 0;
    const firstAttempts: number[] = [];
    await api(first, ch).subscribe(
      'g',
      (m) => {
        failedAt = Date.now();
        firstAttempts.push(m.attempt);
        throw new Error(`attempt ${m.attempt} fails`);
      },
      { retry: { maxAttempts: 5, initialDelayMs: 5_000, jitter: 0 } },
    );
    await api(first, ch).publish({ n: 1 });
    // The retry is stored once the retry topic has a record; then the process goes away before it is due.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(async () => (await admin.fetchTopicOffsets(`${ch}.${ch}_3ag.retry`)).some((p) => Number(p.high) > 0), { timeoutMs: 20_000, message: 'the retry stored' });
    } finally {
      await admin.disconnect();
    }
    await first.close();
    expect(firstAttempts).toEqual([1]);
    const next = await open(spec);
    const handled: { n: number; attempt: number; at: number }[] = [];
    await api(next, ch).subscribe('g', (m) => void handled.push({ ...(m.payload as { n: number }), attempt: m.attempt, at: Date.now() }), {
      retry: { maxAttempts: 5, initialDelayMs: 5_000, jitter: 0 },
    });
    await waitFor(() => handled.length >= 1, { timeoutMs: 20_000, message: 'the retry handled by the next member' });
    expect(handled[0]).toMatchObject({ n: 1, attempt: 2 });
    expect(handled[0]!.at - failedAt).toBeGreaterThanOrEqual(5_000 - 5);
    // The original was committed past when the retry was stored: a marker behind it is the next thing handled.
    await api(next, ch).publish({ n: 2 });
    await waitFor(() => handled.length >= 2, { timeoutMs: 20_000, message: 'the marker' });
    expect(handled.map((h) => [h.n, h.attempt])).toEqual([
      [1, 2],
      [2, 1],
    ]);
  });

  it('a rebalance that moves a held retry’s partition to a new member: each retry runs once, at the partition’s owner', async () => {
    const ch = channelName('rebalance');
    const spec = { [ch]: { requires: { deadLetter: true }, partitions: 2, groups: ['g'] } };
    const retry = { maxAttempts: 5, initialDelayMs: 6_000, jitter: 0 };
    const runs: { bus: string; n: number; attempt: number }[] = [];
    const handler = (bus: string) => (m: Message) => {
      const { n } = m.payload as { n: number };
      runs.push({ bus, n, attempt: m.attempt });
      if (m.attempt === 1) throw new Error('the first attempt fails');
    };
    const first = await open(spec);
    await api(first, ch).subscribe('g', handler('first'), { retry });
    await Promise.all(Array.from({ length: 8 }, (_, n) => api(first, ch).publish({ n }, { key: `k${n}` })));
    const admin = kafka.admin();
    await admin.connect();
    try {
      // All 8 wait in the retry topic (on both of its partitions) and the originals are committed,
      // so the new member reads no original again: what it runs can only come from the retry topic.
      const retryTopic = `${ch}.${ch}_3ag.retry`;
      await waitFor(
        async () => {
          const ends = await admin.fetchTopicOffsets(retryTopic);
          const [committed] = await admin.fetchOffsets({ groupId: `${ch}:g`, topics: [ch] });
          return (
            ends.reduce((sum, p) => sum + Number(p.high), 0) === 8 &&
            ends.every((p) => Number(p.high) > 0) &&
            (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) === 8
          );
        },
        { timeoutMs: 20_000, message: 'the 8 retries stored on both retry partitions, the originals committed' },
      );
    } finally {
      await admin.disconnect();
    }
    const second = await open(spec);
    await api(second, ch).subscribe('g', handler('second'), { retry });
    await waitFor(() => runs.filter((r) => r.attempt === 2).length >= 8, { timeoutMs: 30_000, message: 'every retry handled' });
    // A retry run twice would come at the same due time: give any second run that much longer.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const retried = runs.filter((r) => r.attempt === 2);
    expect(retried.map((r) => r.n).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(retried.map((r) => r.bus)).size).toBe(2);
  }, 60_000);

  it('a retry longer than the retry topic’s retention.ms is not put where the broker could delete it: it runs in-process, with a warning naming both', async () => {
    const ch = channelName('retention');
    const retryTopic = `${ch}.${ch}_3ag.retry`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      // An operator's existing retry topic that keeps records 1 s.
      await admin.createTopics({ topics: [{ topic: retryTopic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1000' }] }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push(`${message} ${String(fields?.['error'] ?? '')}`) };
    const bus = (await connect({ url: KAFKA_URL, logger, options: { ...FAST_GROUPS }, channels: { [ch]: { requires: { deadLetter: true }, partitions: 1, groups: ['g'] } } })) as unknown as Bus<never>;
    buses.push(bus);
    const attempts: { attempt: number; at: number }[] = [];
    await api(bus, ch).subscribe(
      'g',
      (m) => {
        attempts.push({ attempt: m.attempt, at: Date.now() });
        if (m.attempt === 1) throw new Error('the first attempt fails');
      },
      { retry: { maxAttempts: 3, initialDelayMs: 1_500, jitter: 0 } },
    );
    await api(bus, ch).publish({ n: 1 });
    await waitFor(() => attempts.length >= 2, { timeoutMs: 20_000, message: 'the in-process retry' });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_500 - 5);
    expect(warnings.some((w) => w.includes(`would outlive retry topic "${retryTopic}", which keeps records 1000 ms (retention.ms)`))).toBe(true);
    const reader = kafka.admin();
    await reader.connect();
    try {
      expect((await reader.fetchTopicOffsets(retryTopic)).map((p) => Number(p.high))).toEqual([0]);
    } finally {
      await reader.disconnect();
    }
  });

  it('refuses channel names and topics ending in .retry', async () => {
    await expect(open({ 'orders.retry': { requires: { deadLetter: true } } })).rejects.toThrow(ConfigError);
    await expect(open({ orders: { options: { kafka: { topic: 'orders.x.retry' } } } })).rejects.toThrow(/\.retry/);
  });

  it('measured: a 2 s retry no longer holds the 20 messages behind it on its partition; lateness of retries', async () => {
    const before = await blockedBy(2_000, inProcessRetries);
    const after = await blockedBy(2_000);
    console.log(`kafka, one message failing with a 2000 ms backoff, 20 later messages on its partition (concurrency 1): wait before (in-process retry) ${stats(before.waits)}; after (retry topic) ${stats(after.waits)}`);
    console.log(`kafka retry lateness (due → handler start), 2000 ms backoff: in-process ${before.retryLateness} ms, retry topic ${after.retryLateness} ms`);
    // In order, not against a wall-clock bound: the waits shrink by however long the 20 publishes took,
    // which a loaded machine stretches. In-process, all 20 wait behind the retry; with the topic, none does.
    expect(before.handledBeforeRetry).toBe(0);
    expect(after.handledBeforeRetry).toBe(20);

    // Lateness over many retries at once: 60 messages on 3 partitions, each failing its first attempt.
    for (const backoff of [50, 1_000]) {
      const ch = channelName('lateness');
      const bus = await open({ [ch]: { requires: { deadLetter: true }, partitions: 3 } });
      const failed = new Map<number, number>();
      const lateness: number[] = [];
      await api(bus, ch).subscribe(
        'g',
        (m) => {
          const { n } = m.payload as { n: number };
          if (m.attempt === 1) {
            failed.set(n, Date.now());
            throw new Error('first attempt fails');
          }
          lateness.push(Date.now() - (failed.get(n) as number) - backoff);
        },
        { concurrency: 16, retry: { maxAttempts: 3, initialDelayMs: backoff, jitter: 0 } },
      );
      await Promise.all(Array.from({ length: 60 }, (_, n) => api(bus, ch).publish({ n })));
      await waitFor(() => lateness.length === 60, { timeoutMs: 30_000, message: `60 retries (have ${lateness.length})` });
      console.log(`kafka retry lateness (due → handler start) over 60 retries with a ${backoff} ms backoff: ${stats(lateness)}`);
      expect(Math.min(...lateness)).toBeGreaterThanOrEqual(-2);
    }
  });
});
