import { connect as amqpConnect, type ChannelModel, type ConsumeMessage, type Options } from 'amqplib';
import { connect, type Bus, type DeadLetter, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerSkipReason, RABBIT_URL, rabbitmqctl, unique as uniqueName } from './rabbit-env.js';

// A service that is not Switchboard: plain amqplib publishing to a channel's exchange, and reading
// what Switchboard publishes.
const skip = await brokerSkipReason();
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const buses: Bus<never>[] = [];
const names: string[] = [];

function unique(prefix: string): string {
  const name = uniqueName(prefix);
  names.push(name);
  return name;
}

/** Deletes the queues and exchanges of this file's channels only (the broker is shared). */
async function deleteOwnTopology(model: ChannelModel): Promise<void> {
  const mine = (what: 'list_queues' | 'list_exchanges') =>
    rabbitmqctl(what, 'name', '--no-table-headers')
      .split('\n')
      .map((line) => line.trim())
      .filter((object) => names.some((name) => object === name || object.startsWith(`${name}.`) || object.startsWith(`${name}~`)));
  const channel = await model.createChannel();
  for (const queue of mine('list_queues')) await channel.deleteQueue(queue);
  for (const exchange of mine('list_exchanges')) await channel.deleteExchange(exchange);
  await channel.close();
}

async function open<C extends Record<string, object>>(channels: C, options: Record<string, unknown> = {}): Promise<Bus<C>> {
  const bus = await connect({ url: RABBIT_URL, channels, options });
  buses.push(bus as unknown as Bus<never>);
  return bus;
}

(skip === undefined ? describe : describe.skip)(`rabbitmq: messages from producers that are not Switchboard${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let amqp: ChannelModel;
  beforeAll(async () => {
    amqp = await amqpConnect(RABBIT_URL);
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    if (amqp !== undefined) {
      await deleteOwnTopology(amqp);
      await amqp.close();
    }
  }, 60_000);

  async function publishRaw(exchange: string, messages: { body: string | Buffer; options?: Options.Publish }[]): Promise<void> {
    const channel = await amqp.createConfirmChannel();
    try {
      for (const m of messages) channel.publish(exchange, '', Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body), m.options ?? {});
      await channel.waitForConfirms();
    } finally {
      await channel.close();
    }
  }

  it('reads amqplib messages: text, bytes, +json, no properties, both CloudEvents separators, structured mode, typed values, plain traceparent; dead-letters invalid JSON once', async () => {
    const name = unique('foreign');
    const bus = await open({ [name]: { groups: ['g'] }, [`${name}.dead`]: { groups: ['ops'] } });
    const received: Message[] = [];
    const letters: DeadLetter[] = [];
    await bus.channel(`${name}.dead`).subscribe('ops', (letter) => void letters.push(letter as DeadLetter), { concurrency: 1 });
    await bus.channel(name).subscribe('g', (m) => void received.push(m), { concurrency: 1 });
    const structured = { specversion: '1.0', id: 'evt-s', source: '/amqplib', type: 'structured', time: '2020-01-01T00:00:00Z', tier: 3, data: { s: 1 } };
    await publishRaw(name, [
      { body: 'hello', options: { contentType: 'text/plain' } },
      { body: Buffer.from([0, 1, 255]), options: { contentType: 'application/octet-stream' } },
      { body: '{oops' },
      { body: '{"a":1}', options: { contentType: 'application/vnd.acme+json' } },
      { body: '{"b":2}' },
      { body: '{"b":3}' },
      {
        body: '"underscore"',
        options: {
          contentType: 'application/json',
          headers: { cloudEvents_specversion: '1.0', cloudEvents_id: 'evt-u', cloudEvents_source: '/spring', cloudEvents_type: 'u', cloudEvents_subject: 'sub-u', cloudEvents_time: '2019-05-06T07:08:09Z', cloudEvents_partitionkey: 'pk-u', cloudEvents_sequence: 42, cloudEvents_flag: true },
        },
      },
      { body: '"colon"', options: { contentType: 'application/json', headers: { 'cloudEvents:specversion': '1.0', 'cloudEvents:id': 'evt-c', 'cloudEvents:source': '/proton', 'cloudEvents:type': 'c' } } },
      { body: JSON.stringify(structured), options: { contentType: 'application/cloudevents+json; charset=utf-8' } },
      { body: '{"t":1}', options: { headers: { traceparent: TRACEPARENT, 'sb-attempt': '99', 'sb-dead-channel': 'forged' } } },
      { body: '{sentinel' },
    ]);
    await waitFor(() => received.length >= 9 && letters.length >= 2, { timeoutMs: 30_000, message: `9 messages and 2 dead letters (have ${received.length}, ${letters.length})` });
    const [text, bytes, acme, plain, plain2, underscore, colon, event, traced] = received;
    expect(text).toMatchObject({ payload: 'hello', contentType: 'text/plain' });
    expect(bytes?.payload).toEqual(Buffer.from([0, 1, 255]));
    expect(acme?.payload).toEqual({ a: 1 });
    expect(plain).toMatchObject({ payload: { b: 2 }, headers: {} });
    expect(underscore).toMatchObject({ payload: 'underscore', id: 'evt-u', source: '/spring', subject: 'sub-u', key: 'pk-u', extensions: { sequence: '42', flag: 'true' }, headers: {} });
    expect(underscore?.timestamp.toISOString()).toBe('2019-05-06T07:08:09.000Z');
    expect(colon).toMatchObject({ payload: 'colon', id: 'evt-c', source: '/proton', type: 'c' });
    expect(event).toMatchObject({ payload: { s: 1 }, id: 'evt-s', extensions: { tier: '3' } });
    expect(traced).toMatchObject({ traceparent: TRACEPARENT, attempt: 1, headers: {} });
    expect(traced?.deadLetter).toBeUndefined();
    // No message_id: a random id per delivery, never the channel-local delivery tag.
    const ids = received.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(plain?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(plain2?.id).not.toBe(plain?.id);
    expect(letters.map((l) => l.deadLetter.body.toString())).toEqual(['{oops', '{sentinel']);
    expect(letters[0]).toMatchObject({ valid: false, payload: Buffer.from('{oops'), deadLetter: { errorCode: 'SB_CODEC', channel: name, group: 'g', attempts: 1 } });
  });

  it('writes the configured CloudEvents prefix, both trace headers and the key as partitionkey; strings raw on a text channel', async () => {
    for (const prefix of ['cloudEvents_', 'cloudEvents:'] as const) {
      const name = unique('outbound');
      const bus = await open({ [name]: { codec: 'text' } }, prefix === 'cloudEvents:' ? { cloudEventsPrefix: prefix } : {});
      const channel = await amqp.createChannel();
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, name, '');
      const got: ConsumeMessage[] = [];
      await channel.consume(queue, (m) => m && got.push(m), { noAck: true });
      await bus.channel(name).publish('say "hi"', { key: 'cust-1', traceparent: TRACEPARENT, subject: 's-1', id: 'm-1' });
      await waitFor(() => got.length === 1, { timeoutMs: 15_000, message: 'the raw delivery' });
      const [m] = got;
      expect(m?.content.toString()).toBe('say "hi"');
      expect(m?.properties).toMatchObject({ contentType: 'text/plain; charset=utf-8', messageId: 'm-1' });
      expect(m?.properties.headers).toMatchObject({ traceparent: TRACEPARENT, [`${prefix}traceparent`]: TRACEPARENT, [`${prefix}partitionkey`]: 'cust-1', [`${prefix}subject`]: 's-1', [`${prefix}id`]: 'm-1' });
      const other = prefix === 'cloudEvents_' ? 'cloudEvents:' : 'cloudEvents_';
      expect(Object.keys(m?.properties.headers ?? {}).some((h) => h.startsWith(other))).toBe(false);
      await channel.close();
    }
  });
});
