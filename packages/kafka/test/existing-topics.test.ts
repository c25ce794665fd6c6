import { randomBytes } from 'node:crypto';
import { connect, type Bus, type Logger, type Message, type SubscriptionStatus } from '@switchboard/core';
import { KeyRequiredError } from '@switchboard/kafka';
import { waitFor } from '@switchboard/testkit';
import kafkajs from 'kafkajs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

const unique = (prefix: string): string => `sbk-et-${prefix}-${randomBytes(4).toString('hex')}`;

interface TestChannel {
  publish(payload: unknown, options?: { key?: string }): Promise<void>;
  subscribe(group: string, handler: (m: Message) => void | Promise<void>, options?: object): Promise<{ close(): Promise<void>; status: SubscriptionStatus }>;
}

function recordingLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const admin = new kafkajs.Kafka({ brokers: KAFKA_BROKERS, logLevel: kafkajs.logLevel.NOTHING }).admin();
const buses: Bus<never>[] = [];
const topics = new Set<string>();

async function open(channels: Record<string, object>, logger?: Logger, options: object = {}): Promise<Bus<never>> {
  const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS, ...options }, channels, ...(logger && { logger }) })) as unknown as Bus<never>;
  buses.push(bus);
  return bus;
}

beforeAll(async () => {
  await admin.connect();
});
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  const listed = (await admin.listGroups().catch(() => ({ groups: [] }))).groups.map((g) => g.groupId);
  await admin.deleteGroups(listed.filter((id) => [...topics].some((t) => id.startsWith(`${t}:`)))).catch(() => {});
  await admin.deleteTopics({ topics: [...topics].flatMap((t) => [t, `${t}.dead`]) }).catch(() => {});
  await admin.disconnect();
});

describeWithBroker('kafka on existing topics', () => {
  it('uses an existing topic without error-level noise, and reports a declared partition count that differs', async () => {
    const existing = unique('existing');
    const fresh = unique('fresh');
    topics.add(existing).add(fresh);
    await admin.createTopics({ topics: [{ topic: existing, numPartitions: 2 }], waitForLeaders: true });
    const logger = recordingLogger();
    const bus = await open({ [existing]: { partitions: 4, groups: ['audit'] }, [fresh]: { partitions: 2 } }, logger);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([]);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([expect.stringMatching(/declares 4 partitions but topic .* already has 2/)]);
    const report = bus.report().topology;
    expect(report[existing]).toMatchObject({ names: { topic: existing, 'group audit': `${existing}:audit` }, settings: { partitions: 2, created: false, compression: 'none' } });
    expect(report[existing]?.warnings).toEqual([expect.stringContaining('already has 2')]);
    expect(report[fresh]).toMatchObject({ settings: { partitions: 2, created: true }, warnings: [] });
  });

  it('refuses an unkeyed publish to a compacted topic with KeyRequiredError; keyed ones go through', async () => {
    const topic = unique('compacted');
    topics.add(topic);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    const bus = await open({ profiles: { options: { kafka: { topic } } } });
    const channel = bus.channel('profiles') as unknown as TestChannel;
    const error = await channel.publish({ name: 'no key' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyRequiredError);
    expect((error as Error).message).toMatch(/compacted topic .*publish with \{ key \}/);
    const seen: unknown[] = [];
    await channel.subscribe('reader', (m) => void seen.push(m.payload));
    await channel.publish({ name: 'keyed' }, { key: 'user-1' });
    await waitFor(() => seen.length === 1, { timeoutMs: 15_000 });
    expect(bus.report().topology['profiles']?.settings).toMatchObject({ cleanupPolicy: 'compact' });
  });

  it('connects on freshly created topics with declared groups, many at once', async () => {
    const names = Array.from({ length: 8 }, () => unique('race'));
    for (const name of names) topics.add(name);
    const logger = recordingLogger();
    const results = await Promise.allSettled(names.map((name) => open({ [name]: { partitions: 3, groups: ['first'] } }, logger)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([]);
  });

  it('a consumer that cannot read a batch reports failed, and live again once it reads', async () => {
    const ch = unique('unreadable');
    topics.add(ch);
    const bus = await open({ [ch]: { partitions: 1, options: { kafka: { compression: 'zstd' } } } }, undefined, { retry: { retries: 2, initialRetryTimeMs: 100, maxRetryTimeMs: 500 } });
    const channel = bus.channel(ch) as unknown as TestChannel;
    const statuses: SubscriptionStatus[] = [];
    const seen: unknown[] = [];
    await channel.subscribe('g', (m) => void seen.push(m.payload), { onStatus: (s: SubscriptionStatus) => void statuses.push(s) });
    // Fault injection: kafkajs' (process-wide) zstd codec fails to decompress, as a corrupt or
    // unsupported batch would, until it is put back.
    const registry = kafkajs.CompressionCodecs as unknown as Record<number, () => { compress: unknown; decompress(b: Buffer): Promise<Buffer> }>;
    const real = registry[kafkajs.CompressionTypes.ZSTD] as () => { compress: unknown; decompress(b: Buffer): Promise<Buffer> };
    registry[kafkajs.CompressionTypes.ZSTD] = () => ({ ...real(), decompress: () => Promise.reject(new Error('unreadable zstd batch')) });
    try {
      await channel.publish({ n: 1 }, { key: 'k' });
      await waitFor(() => statuses.some((s) => s.state === 'failed'), { timeoutMs: 20_000, message: 'failed status' });
      expect(statuses.find((s) => s.state === 'failed')?.error?.message).toMatch(/unreadable zstd batch/);
      expect(bus.health().ok).toBe(false);
    } finally {
      registry[kafkajs.CompressionTypes.ZSTD] = real;
    }
    await waitFor(() => seen.length === 1, { timeoutMs: 20_000, message: 'the batch is read after the codec is back' });
    await waitFor(() => statuses.at(-1)?.state === 'live', { timeoutMs: 10_000, message: 'live again' });
    expect(bus.health().ok).toBe(true);
  });
});
