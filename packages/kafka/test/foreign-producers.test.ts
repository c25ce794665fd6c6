import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { connect, type Bus, type DeadLetter, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { CloudEvent, Kafka as CloudEventsKafka } from 'cloudevents';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { kafkaPaths } from '../../../test/brokers/kafka.mjs';
import { describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';
import { CONSOLE_PRODUCER, JAVA_LOGGING } from './java-tools.js';

// Producers that are not Switchboard: raw kafkajs and Kafka's own Java console tools.
const BROKER = KAFKA_BROKERS.join(',');
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const kafka = new Kafka({ brokers: [BROKER], logLevel: logLevel.NOTHING });
const topics: string[] = [];
const buses: Bus<never>[] = [];

function topic(prefix: string): string {
  const name = `sbt-foreign-${prefix}-${randomBytes(4).toString('hex')}`;
  topics.push(name, `${name}.dead`);
  return name;
}

async function open<C extends Record<string, object>>(channels: C): Promise<Bus<C>> {
  const bus = await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels });
  buses.push(bus as unknown as Bus<never>);
  return bus;
}

/** Runs one of Kafka's Java tools with the broker's own jars; resolves with its stdout. */
function java(mainClass: string, args: string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-cp', path.join(kafkaPaths.libs, '*'), ...JAVA_LOGGING, mainClass, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${mainClass} exited ${code}: ${err.split('\n').filter((l) => !l.includes('log4j')).slice(0, 5).join('\n')}`));
    });
    child.stdin.end(stdin);
  });
}

/** `kafka-console-producer`: one record per line, `key<TAB>value`, optionally `headers<TAB>` first. */
function consoleProduce(name: string, lines: string[], withHeaders: boolean): Promise<string> {
  const args = ['--bootstrap-server', BROKER, '--topic', name, '--property', 'parse.key=true', '--property', 'null.marker=<null>'];
  if (withHeaders) args.push('--property', 'parse.headers=true');
  return java(CONSOLE_PRODUCER, args, `${lines.join('\n')}\n`);
}

/** Reads `count` records of `name` from the beginning with a raw kafkajs consumer. */
async function readRaw(name: string, count: number): Promise<{ key: string | undefined; value: Buffer | null; headers: Record<string, string> }[]> {
  const consumer = kafka.consumer({ groupId: `sbt-raw-${randomBytes(4).toString('hex')}` });
  const records: { key: string | undefined; value: Buffer | null; headers: Record<string, string> }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: name, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(Array.isArray(v) ? v.at(-1) : v);
        records.push({ key: message.key?.toString(), value: message.value, headers });
      },
    });
    await waitFor(() => records.length >= count, { timeoutMs: 30_000, message: `${count} raw records on ${name}` });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

describeWithBroker('kafka: messages from producers that are not Switchboard', () => {
  const producer = kafka.producer();
  beforeAll(() => producer.connect());
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const created = topics.filter((t) => existing.has(t));
      if (created.length > 0) await admin.deleteTopics({ topics: created, timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('reads kafkajs records: text, bytes, +json, no headers, CloudEvents binary and structured, tombstones, plain traceparent; dead-letters invalid JSON once, bytes intact', async () => {
    const name = topic('kafkajs');
    const bus = await open({ [name]: { partitions: 1 } });
    const received: Message[] = [];
    const letters: DeadLetter[] = [];
    await bus.channel(`${name}.dead`).subscribe('ops', (letter) => void letters.push(letter as DeadLetter), { concurrency: 1 });
    await bus.channel(name).subscribe('g', (m) => void received.push(m), { concurrency: 1 });
    const structured = { specversion: '1.0', id: 'evt-s', source: '/kafkajs', type: 'structured', time: '2020-01-01T00:00:00Z', priorityclass: 'gold', data: { s: 1 } };
    const records: { key?: string; value: Buffer | string | null; headers?: IHeaders }[] = [
      { value: 'hello', headers: { 'content-type': 'text/plain; charset=utf-8' } },
      { value: Buffer.from([0, 1, 2, 255]), headers: { 'content-type': 'application/octet-stream' } },
      { value: '{oops', key: 'k' },
      { value: '{"a":1}', headers: { 'content-type': 'Application/Vnd.Acme.Order+JSON' } },
      { value: '{"b":2}' },
      { value: '"ce"', headers: { ce_specversion: '1.0', ce_id: 'evt-b', ce_source: '/kafkajs', ce_type: 'binary', ce_subject: 'sub-1', ce_time: '2019-05-06T07:08:09Z', ce_region: 'eu', 'content-type': 'application/json' } },
      { value: JSON.stringify(structured), headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' } },
      { key: 'deleted-entity', value: null },
      { value: Buffer.alloc(0) },
      { value: '{"t":1}', headers: { traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' } },
      { value: '{sentinel', key: 'k' },
    ];
    await producer.send({ topic: name, messages: records });
    await waitFor(() => received.length >= 9 && letters.length >= 2, { timeoutMs: 60_000, message: `9 messages and 2 dead letters (have ${received.length}, ${letters.length})` });
    const [text, bytes, acme, plain, binary, event, tombstone, empty, traced] = received;
    expect(text).toMatchObject({ payload: 'hello', contentType: 'text/plain; charset=utf-8' });
    expect(bytes?.payload).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(acme?.payload).toEqual({ a: 1 });
    expect(plain).toMatchObject({ payload: { b: 2 }, headers: {} });
    expect(binary).toMatchObject({ payload: 'ce', id: 'evt-b', source: '/kafkajs', type: 'binary', subject: 'sub-1', extensions: { region: 'eu' }, headers: {} });
    // The event's own time, not the record's.
    expect(binary?.timestamp.toISOString()).toBe('2019-05-06T07:08:09.000Z');
    expect(event).toMatchObject({ payload: { s: 1 }, id: 'evt-s', type: 'structured', extensions: { priorityclass: 'gold' } });
    expect(tombstone).toMatchObject({ tombstone: true, payload: null, key: 'deleted-entity' });
    expect(empty?.tombstone).toBeUndefined();
    expect(empty?.payload).toBeUndefined();
    expect(traced).toMatchObject({ traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE', headers: {} });
    // Ids: CloudEvents ids where the record has one, else topic/partition/offset: unique.
    const ids = received.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(plain?.id).toMatch(new RegExp(`^${name}/0/\\d+$`));
    // Each undecodable record reaches the dead-letter channel once, its bytes untouched.
    expect(letters.map((l) => l.deadLetter.body.toString())).toEqual(['{oops', '{sentinel']);
    const [letter] = letters;
    expect(letter).toMatchObject({ valid: false, key: 'k', deadLetter: { errorCode: 'SB_CODEC', channel: name, group: 'g', attempts: 1 } });
    expect(letter?.payload).toEqual(Buffer.from('{oops'));
    expect(letter?.deadLetter.id).toMatch(new RegExp(`^${name}/0/\\d+$`));
    const deadTopic = await readRaw(`${name}.dead`, 2);
    expect(deadTopic[0]?.value?.toString()).toBe('{oops');
    expect(Object.keys(deadTopic[0]?.headers ?? {}).filter((h) => h.startsWith('ce_'))).toEqual([]);
  });

  it("reads what Kafka's Java console producer writes: text, invalid JSON, +json, tombstones, CloudEvents binary and structured", async () => {
    const jsonTopic = topic('java-json');
    const textTopic = topic('java-text');
    const bus = await open({ [jsonTopic]: { partitions: 1 }, [textTopic]: { partitions: 1, codec: 'text' } });
    const json: Message[] = [];
    const text: Message[] = [];
    const letters: DeadLetter[] = [];
    await bus.channel(`${jsonTopic}.dead`).subscribe('ops', (letter) => void letters.push(letter as DeadLetter));
    await bus.channel(jsonTopic).subscribe('g', (m) => void json.push(m), { concurrency: 1 });
    await bus.channel(textTopic).subscribe('g', (m) => void text.push(m), { concurrency: 1 });
    await consoleProduce(textTopic, ['k\thello from java', 'k\t{not json, but text}'], false);
    await consoleProduce(jsonTopic, ['k\t{"x":1}', 'k\t{not json', 'k\t<null>'], false);
    const event = JSON.stringify({ specversion: '1.0', id: 'java-s', source: '/java', type: 'structured', data: { z: 3 } });
    await consoleProduce(
      jsonTopic,
      [
        'content-type:application/vnd.acme.event+json\tk\t{"y":2}',
        `content-type:application/cloudevents+json\tk\t${event}`,
        'ce_specversion:1.0,ce_id:java-b,ce_source:/java,ce_type:binary,content-type:text/plain\tk\tbinary text',
      ],
      true,
    );
    await waitFor(() => text.length >= 2 && json.length >= 5 && letters.length >= 1, { timeoutMs: 60_000, message: `java records (have ${text.length}, ${json.length}, ${letters.length})` });
    expect(text.map((m) => m.payload)).toEqual(['hello from java', '{not json, but text}']);
    const [x, tomb, acme, structured, binary] = json;
    expect(x?.payload).toEqual({ x: 1 });
    expect(tomb).toMatchObject({ tombstone: true, payload: null, key: 'k' });
    expect(acme?.payload).toEqual({ y: 2 });
    expect(structured).toMatchObject({ id: 'java-s', source: '/java', payload: { z: 3 } });
    expect(binary).toMatchObject({ id: 'java-b', type: 'binary', payload: 'binary text' });
    expect(new Set([...json, ...text].map((m) => m.id)).size).toBe(7);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ valid: false, deadLetter: { errorCode: 'SB_CODEC', body: Buffer.from('{not json') } });
  });

  it('writes what other clients read: raw strings on a text channel (a Java StringDeserializer sees no quotes), both trace headers, the key as partitionkey', async () => {
    const name = topic('outbound');
    const bus = await open({ [name]: { partitions: 1, codec: 'text' } });
    await bus.channel(name).publish('say "hi"', { key: 'cust-1', traceparent: TRACEPARENT, subject: 's-1' });
    const out = await java('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', BROKER, '--topic', name, '--from-beginning', '--max-messages', '1', '--timeout-ms', '30000']);
    expect(out.split('\n')[0]).toBe('say "hi"');
    const [record] = await readRaw(name, 1);
    expect(record?.key).toBe('cust-1');
    expect(record?.headers).toMatchObject({ traceparent: TRACEPARENT, ce_traceparent: TRACEPARENT, ce_partitionkey: 'cust-1', ce_subject: 's-1', 'content-type': 'text/plain; charset=utf-8' });
  });

  it('interoperates with the CloudEvents JS SDK both ways: it validates what Switchboard writes, Switchboard reads its binary and structured records', async () => {
    const name = topic('ce-sdk');
    const bus = await open({ [name]: { partitions: 1 } });
    const received: Message[] = [];
    await bus.channel(name).subscribe('g', (m) => void received.push(m), { concurrency: 1 });
    await bus.channel(name).publish({ total: 9 }, { key: 'cust-7', subject: 'order-1', traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE', id: 'sb-1', type: 'com.acme.order.placed' });
    const [record] = await readRaw(name, 1);
    const fromSwitchboard = CloudEventsKafka.toEvent({ key: record!.key ?? '', value: record!.value, headers: record!.headers, body: record!.value }) as CloudEvent<unknown>;
    expect(fromSwitchboard.validate()).toBe(true);
    expect(fromSwitchboard).toMatchObject({ id: 'sb-1', type: 'com.acme.order.placed', subject: 'order-1', partitionkey: 'cust-7', traceparent: TRACEPARENT, data: { total: 9 } });

    const event = new CloudEvent({ id: 'sdk-1', source: '/sdk', type: 'com.acme.sdk', subject: 'thing', datacontenttype: 'application/json', data: { sdk: true }, partitionkey: 'pk', region: 'eu' });
    for (const message of [CloudEventsKafka.binary(event), CloudEventsKafka.structured(event)]) {
      // The SDK leaves binary-mode data as the object it was given; serialising it is the producer's job.
      const value = typeof message.value === 'string' || Buffer.isBuffer(message.value) ? message.value : JSON.stringify(message.value);
      const headers = Object.fromEntries(Object.entries(message.headers).filter(([, v]) => v !== undefined)) as IHeaders;
      await producer.send({ topic: name, messages: [{ key: message.key, value, headers }] });
    }
    await waitFor(() => received.length >= 3, { timeoutMs: 60_000, message: `3 messages (have ${received.length})` });
    for (const m of received.slice(1)) {
      expect(m).toMatchObject({ id: 'sdk-1', source: '/sdk', type: 'com.acme.sdk', subject: 'thing', key: 'pk', payload: { sdk: true }, extensions: { region: 'eu' }, headers: {} });
    }
  });
});
