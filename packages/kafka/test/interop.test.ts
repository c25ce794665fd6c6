import { randomBytes } from 'node:crypto';
import { connect, type Bus, type Message, type SubscriptionStatus } from '@switchboard/core';
import { GroupProtocolError } from '@switchboard/kafka';
import { waitFor } from '@switchboard/testkit';
import kafkajs from 'kafkajs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FAST_GROUPS, KAFKA_URL } from './kafka-env.js';
import { batchCodecs, BOOTSTRAP, compileFixture, consoleProduce, describeWithJava, runJava, startJava, type JavaProcess } from './java-tools.js';

// Interop with clients Switchboard did not write: Kafka's own Java console tools and a plain Java
// KafkaConsumer (test/fixtures/JavaGroupMember.java, compiled here against the broker's jars).

const unique = (prefix: string): string => `sbk-ix-${prefix}-${randomBytes(4).toString('hex')}`;
const partitionOf = (message: Message): number => Number(message.position?.split(':')[0]);
/** Records in a topic (sum of its partitions' end offsets: the topics here are never compacted or trimmed). */
const recordsIn = async (topic: string): Promise<number> => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);

/** The values the Java console consumer reads from `topic`, from its start (the first `count`). */
async function javaConsume(topic: string, count: number): Promise<string[]> {
  const consumed = await runJava('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--bootstrap-server', BOOTSTRAP,
    '--topic', topic,
    '--from-beginning',
    '--max-messages', String(count),
    '--timeout-ms', '30000',
  ]);
  expect(consumed.code, consumed.stderr).toBe(0);
  return consumed.stdout.trim().split('\n');
}

interface TestChannel {
  publish(payload: unknown, options?: { key?: string; priority?: number }): Promise<void>;
  subscribe(group: string, handler: (m: Message) => void | Promise<void>, options?: object): Promise<{ close(): Promise<void>; status: SubscriptionStatus }>;
}

const buses: Bus<never>[] = [];
const javas: JavaProcess[] = [];
const topics = new Set<string>();
const groups = new Set<string>();
const admin = new kafkajs.Kafka({ brokers: [BOOTSTRAP], logLevel: kafkajs.logLevel.NOTHING }).admin();
let member: { dir: string; remove(): void } | undefined;

async function open(channels: Record<string, object>, options: object = {}): Promise<Bus<never>> {
  const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS, ...options }, channels })) as unknown as Bus<never>;
  buses.push(bus);
  return bus;
}

const channelOf = (bus: Bus<never>, name: string): TestChannel => bus.channel(name) as unknown as TestChannel;

function javaMember(topic: string, groupId: string, strategy = 'default'): JavaProcess {
  member ??= compileFixture('JavaGroupMember.java');
  const java = startJava('JavaGroupMember', [BOOTSTRAP, topic, groupId, strategy], member.dir);
  javas.push(java);
  groups.add(groupId);
  return java;
}

/** Partitions in the Java member's latest assignment, once it has one. */
function javaAssignment(java: JavaProcess): number[] | undefined {
  const line = java.lines.filter((l) => l.startsWith('ASSIGNED ')).at(-1);
  if (line === undefined) return undefined;
  const list = line.slice('ASSIGNED '.length).trim();
  return list === '' ? [] : list.split(',').map(Number);
}

const javaRecords = (java: JavaProcess): { partition: number; key: string; value: string }[] =>
  java.lines
    .filter((l) => l.startsWith('RECORD '))
    .map((l) => {
      const [, partition, key, ...value] = l.split(' ');
      return { partition: Number(partition), key: key as string, value: value.join(' ') };
    });

beforeAll(async () => {
  await admin.connect();
});

afterEach(async () => {
  await Promise.all(javas.splice(0).map((j) => j.stop()));
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

afterAll(async () => {
  member?.remove();
  // Mapped group ids, and the default `<channel>:<group>` ones of this file's channels.
  const listed = (await admin.listGroups().catch(() => ({ groups: [] }))).groups.map((g) => g.groupId);
  const mine = listed.filter((id) => groups.has(id) || [...topics].some((t) => id.startsWith(`${t}:`)));
  await admin.deleteGroups(mine).catch(() => {});
  await admin.deleteTopics({ topics: [...topics].flatMap((t) => [t, `${t}.dead`]) }).catch(() => {});
  await admin.disconnect();
});

describeWithJava('kafka interop with the Java client', () => {
  it('one subscriber reads batches the Java console producer compressed with gzip, snappy, lz4 and zstd', async () => {
    const ch = unique('jcodecs');
    topics.add(ch);
    const bus = await open({ [ch]: { partitions: 3 } });
    const seen: { codec: string; n: number }[] = [];
    const sub = await channelOf(bus, ch).subscribe('reader', (m) => void seen.push(m.payload as { codec: string; n: number }));
    const codecs = ['gzip', 'snappy', 'lz4', 'zstd'];
    for (const codec of codecs) {
      const result = await consoleProduce(
        ch,
        Array.from({ length: 10 }, (_, n) => ({ key: `k${n}`, value: JSON.stringify({ codec, n }) })),
        ['--compression-codec', codec],
      );
      expect(result.code, result.stderr).toBe(0);
    }
    await waitFor(() => seen.length >= 40, { timeoutMs: 30_000, message: '40 Java-produced records handled' });
    for (const codec of codecs) expect(seen.filter((s) => s.codec === codec).map((s) => s.n).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(sub.status.state).toBe('live');
    // The broker's own log files say the batches really are compressed that way.
    const onDisk = new Set((await Promise.all([0, 1, 2].map((p) => batchCodecs(ch, p)))).flat());
    expect([...onDisk].sort()).toEqual([...codecs].sort());
  });

  it('publishes with each of the five codecs (per channel) and the Java console consumer reads them all', async () => {
    const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
    const base = unique('sbcodecs');
    const channels = Object.fromEntries(codecs.map((codec) => [`${base}-${codec}`, { partitions: 1, options: { kafka: { compression: codec } } }]));
    for (const name of Object.keys(channels)) topics.add(name);
    const bus = await open(channels);
    // Switchboard reads its own compressed batches too.
    const own: string[] = [];
    for (const codec of codecs) await channelOf(bus, `${base}-${codec}`).subscribe('self', (m) => void own.push((m.payload as { codec: string }).codec));
    for (const codec of codecs) {
      await Promise.all(Array.from({ length: 10 }, (_, n) => channelOf(bus, `${base}-${codec}`).publish({ codec, n }, { key: `k${n}` })));
    }
    expect(bus.report().topology[`${base}-lz4`]?.settings).toMatchObject({ compression: 'lz4' });
    const consumed = await runJava('org.apache.kafka.tools.consumer.ConsoleConsumer', [
      '--bootstrap-server', BOOTSTRAP,
      '--include', `${base}-.*`,
      '--from-beginning',
      '--max-messages', '50',
      '--timeout-ms', '30000',
      '--property', 'print.key=true',
      '--property', 'key.separator=|',
    ]);
    expect(consumed.code, consumed.stderr).toBe(0);
    const values = consumed.stdout.trim().split('\n').map((line) => JSON.parse(line.slice(line.indexOf('|') + 1)) as { codec: string; n: number });
    for (const codec of codecs) expect(values.filter((v) => v.codec === codec).length).toBe(10);
    for (const codec of codecs) expect(new Set(await batchCodecs(`${base}-${codec}`))).toEqual(new Set([codec]));
    await waitFor(() => own.length === 50, { timeoutMs: 15_000, message: 'Switchboard subscribers read all 50' });
    for (const codec of codecs) expect(own.filter((c) => c === codec).length).toBe(10);
  });

  it.each(['Switchboard', 'Java'])(
    'a Java KafkaConsumer (default assignors) and a Switchboard subscriber share one group on 6 partitions (%s member first): none lost, both busy, then the Java member leaves',
    async (first) => {
      const ch = unique('shared');
      const groupId = unique('legacy-billing');
      topics.add(ch);
      groups.add(groupId);
      const bus = await open({ [ch]: { partitions: 6, options: { kafka: { groupIds: { billing: groupId } } } } });
      const ours: { n: number; partition: number }[] = [];
      const subscribe = (): Promise<unknown> => channelOf(bus, ch).subscribe('billing', (m) => void ours.push({ n: (m.payload as { n: number }).n, partition: partitionOf(m) }));
      let java: JavaProcess;
      if (first === 'Switchboard') {
        await subscribe();
        java = javaMember(ch, groupId);
      } else {
        java = javaMember(ch, groupId);
        await waitFor(() => javaAssignment(java)?.length === 6, { timeoutMs: 30_000, message: 'Java member alone holds all 6 partitions' });
        await subscribe();
      }
      // After the rebalance the Java member holds half of the partitions (range: 3 of 6).
      await waitFor(() => javaAssignment(java)?.length === 3, { timeoutMs: 30_000, message: 'Java member assigned 3 partitions' });
      const total = 90;
      const handled = (): Set<number> => new Set([...ours.map((o) => o.n), ...javaRecords(java).map((r) => (JSON.parse(r.value) as { n: number }).n)]);
      await Promise.all(Array.from({ length: total }, (_, n) => channelOf(bus, ch).publish({ n }, { key: `cust-${n}` })));
      await waitFor(() => handled().size === total, { timeoutMs: 30_000, message: `all ${total} keyed messages handled by one member or the other` });
      const theirs = javaRecords(java);
      console.log(
        `shared group (${first} first): Switchboard handled ${ours.length} on partitions ${[...new Set(ours.map((o) => o.partition))].sort()}, ` +
          `Java ${theirs.length} on ${[...new Set(theirs.map((r) => r.partition))].sort()}`,
      );
      expect(ours.length).toBeGreaterThan(0);
      expect(theirs.length).toBeGreaterThan(0);
      expect(bus.report().topology[ch]?.names).toMatchObject({ topic: ch, 'group billing': groupId });
      expect((await admin.describeGroups([groupId])).groups[0]?.protocol).toBe('range');

      // Migration, member by member: the Java member leaves; Switchboard takes its partitions over.
      expect((await java.stop()).code).toBe(0);
      await Promise.all(Array.from({ length: 30 }, (_, i) => channelOf(bus, ch).publish({ n: total + i }, { key: `cust-${i}` })));
      await waitFor(() => new Set(ours.map((o) => o.n).filter((n) => n >= total)).size === 30, { timeoutMs: 30_000, message: 'Switchboard handles everything after the Java member left' });
    },
  );

  it('a group protocol conflict is never silent: subscribe() rejects with GroupProtocolError, and the Java side gets its exception', async () => {
    const ch = unique('conflict');
    const cooperative = unique('coop');
    const ours = unique('ours');
    topics.add(ch);
    groups.add(cooperative);
    groups.add(ours);
    const bus = await open({ [ch]: { partitions: 2, options: { kafka: { groupIds: { legacy: cooperative, mine: ours } } } } });
    // Existing Java group on cooperative-sticky only: Switchboard cannot offer that protocol.
    const java = javaMember(ch, cooperative, 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor');
    await waitFor(() => javaAssignment(java)?.length === 2, { timeoutMs: 30_000, message: 'Java cooperative member assigned' });
    const started = Date.now();
    const error = await channelOf(bus, ch).subscribe('legacy', () => {}).catch((e: unknown) => e);
    console.log(`protocol conflict surfaced after ${Date.now() - started} ms: ${(error as Error).message}`);
    expect(error).toBeInstanceOf(GroupProtocolError);
    expect((error as GroupProtocolError).groupProtocol).toBe('cooperative-sticky');
    expect(Date.now() - started).toBeLessThan(20_000);

    // The other order: Switchboard's group runs; a cooperative-only Java member cannot join it.
    const sub = await channelOf(bus, ch).subscribe('mine', () => {});
    const latecomer = javaMember(ch, ours, 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor');
    await waitFor(() => latecomer.lines.some((l) => l.startsWith('ERROR InconsistentGroupProtocolException')), { timeoutMs: 30_000, message: 'Java member refused' });
    expect(sub.status.state).toBe('live');
  });

  it('a topic grown from 3 to 6 partitions while connected: keys placed as the Java client places them, and the live subscriber reads the new partitions', async () => {
    const ch = unique('grow');
    topics.add(ch);
    const bus = await open({ [ch]: { partitions: 3 } }, { metadataMaxAgeMs: 2000 });
    const channel = channelOf(bus, ch);
    const got: { src: string; round: number; key: string; partition: number }[] = [];
    await channel.subscribe('live', (m) => {
      const p = m.payload as { src: string; round: number };
      got.push({ ...p, key: m.key as string, partition: partitionOf(m) });
    });
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    await Promise.all(keys.map((key) => channel.publish({ src: 'sb', round: 0 }, { key })));
    await waitFor(() => got.length === 12, { timeoutMs: 15_000, message: 'first round' });
    await admin.createPartitions({ topicPartitions: [{ topic: ch, count: 6 }] });
    const grownAt = Date.now();

    // The Java console producer (fresh metadata: 6 partitions) writes the same keys.
    const produced = await consoleProduce(ch, keys.map((key) => ({ key, value: JSON.stringify({ src: 'java', round: 0 }) })));
    expect(produced.code, produced.stderr).toBe(0);
    await waitFor(() => got.filter((g) => g.src === 'java').length === 12, { timeoutMs: 30_000, message: 'Java records, new partitions included, reach the live subscriber' });
    const javaPartition = new Map(got.filter((g) => g.src === 'java').map((g) => [g.key, g.partition]));
    expect([...javaPartition.values()].some((p) => p >= 3)).toBe(true);

    // Switchboard's publisher follows once its metadata is refreshed (metadataMaxAgeMs).
    let round = 0;
    await waitFor(
      async () => {
        round++;
        await Promise.all(keys.map((key) => channel.publish({ src: 'sb', round }, { key })));
        await waitFor(() => got.filter((g) => g.src === 'sb' && g.round === round).length === 12, { timeoutMs: 15_000 });
        return got.filter((g) => g.src === 'sb' && g.round === round).every((g) => g.partition === javaPartition.get(g.key));
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'Switchboard places every key on the Java client partition' },
    );
    console.log(`grown 3 → 6: Java-compatible placement ${Date.now() - grownAt} ms after the change (metadataMaxAgeMs 2000), round ${round}`);
  });

  it('takes over an existing group at its committed offsets (set by the Java group tool)', async () => {
    const ch = unique('takeover');
    const groupId = unique('java-group');
    topics.add(ch);
    groups.add(groupId);
    const bus = await open({ [ch]: { partitions: 1, options: { kafka: { groupIds: { billing: groupId } } } } });
    const channel = channelOf(bus, ch);
    for (let n = 0; n < 10; n++) await channel.publish({ n }, { key: 'k' });
    const reset = await runJava('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', [
      '--bootstrap-server', BOOTSTRAP, '--group', groupId, '--topic', ch, '--reset-offsets', '--to-offset', '6', '--execute',
    ]);
    expect(reset.code, reset.stderr).toBe(0);
    const seen: number[] = [];
    await channel.subscribe('billing', (m) => void seen.push((m.payload as { n: number }).n));
    await channel.publish({ n: 10 }, { key: 'k' });
    await waitFor(() => seen.includes(10), { timeoutMs: 15_000, message: 'live message after takeover' });
    expect(seen).toEqual([6, 7, 8, 9, 10]);
  });
  it('a priority channel beside Java: records the console producer writes (no priority) are level 0 and wait behind an urgent one; the console consumer of the topic reads level 0 only', async () => {
    const ch = unique('jprio');
    for (const topic of [ch, `${ch}.priority-1`, `${ch}.priority-2`]) topics.add(topic);
    const bus = await open({ [ch]: { requires: { priority: true }, groups: ['workers'], partitions: 1 } });
    const channel = channelOf(bus, ch);
    const produced = await consoleProduce(ch, Array.from({ length: 5 }, (_, n) => ({ key: `k${n}`, value: JSON.stringify({ from: 'java', n }) })));
    expect(produced.code, produced.stderr).toBe(0);
    await channel.publish({ from: 'switchboard', n: 0 }, { priority: 1 });
    await channel.publish({ from: 'urgent', n: 0 }, { priority: 9 });
    const seen: { from: string; n: number; priority: number | undefined }[] = [];
    await channel.subscribe('workers', (m) => void seen.push({ ...(m.payload as { from: string; n: number }), priority: m.priority }), { concurrency: 1 });
    await waitFor(() => seen.length >= 7, { timeoutMs: 30_000, message: '7 messages handled' });
    expect(seen.map((s) => `${s.from}-${s.n}`)).toEqual(['urgent-0', 'java-0', 'java-1', 'java-2', 'java-3', 'java-4', 'switchboard-0']);
    expect(seen.map((s) => s.priority)).toEqual([9, undefined, undefined, undefined, undefined, undefined, 1]);
    // The channel topic holds the Java records and the level-0 publish; the urgent one is in its level's topic.
    expect(await recordsIn(ch)).toBe(6);
    expect(await recordsIn(`${ch}.priority-2`)).toBe(1);
    const values = (await javaConsume(ch, 6)).map((line) => JSON.parse(line) as { from: string });
    expect(values.map((v) => v.from).sort()).toEqual(['java', 'java', 'java', 'java', 'java', 'switchboard']);
  });

  it('retries stay in the group’s own retry topic: the Java console consumer of the channel topic reads the failing record once', async () => {
    const ch = unique('jretry');
    const retryTopic = `${ch}.${ch}_3aworkers.retry`;
    topics.add(ch).add(retryTopic);
    const bus = await open({ [ch]: { requires: { deadLetter: true }, groups: ['workers'], partitions: 1 } });
    const attempts: number[] = [];
    await channelOf(bus, ch).subscribe(
      'workers',
      (m) => {
        attempts.push(m.attempt);
        if (m.attempt < 3) throw new Error(`attempt ${m.attempt} fails`);
      },
      { retry: { maxAttempts: 5, initialDelayMs: 50, jitter: 0 } },
    );
    await channelOf(bus, ch).publish({ order: 1 }, { key: 'o-1' });
    await waitFor(() => attempts.length >= 3, { timeoutMs: 30_000, message: 'three attempts' });
    expect(attempts).toEqual([1, 2, 3]);
    expect(await recordsIn(ch)).toBe(1);
    expect(await recordsIn(retryTopic)).toBe(2);
    expect((await javaConsume(ch, 1)).map((line) => JSON.parse(line) as unknown)).toEqual([{ order: 1 }]);
  });
});
