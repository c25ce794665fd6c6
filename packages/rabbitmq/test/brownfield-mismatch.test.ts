import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, connect, type Bus } from '@switchboard/core';
import { ForeignService } from './foreign-service.js';
import { brokerSkipReason, RABBIT_URL } from './rabbit-env.js';

const skip = await brokerSkipReason();

describe.skipIf(skip !== undefined)(`rabbitmq refuses existing topology that does not match the mapping${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const other = new ForeignService();
  afterAll(async () => {
    await other.cleanup();
  }, 60_000);

  /** connect() must reject with a ConfigError; returns its message. A bus that connected is closed. */
  async function refusal(channels: Parameters<typeof connect>[0]['channels']): Promise<string> {
    let bus: Bus | undefined;
    try {
      bus = (await connect({ url: RABBIT_URL, channels })) as unknown as Bus;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    await bus.close();
    throw new Error('connect() accepted a mismatched mapping');
  }

  it('an existing exchange of another type, used as it is: names the type and the fix', async () => {
    const exchange = other.name('typed');
    await other.declare((channel) => channel.assertExchange(exchange, 'topic', { durable: true }));
    const message = await refusal({ [other.name('c')]: { options: { rabbitmq: { exchange: { name: exchange, type: 'fanout', declare: false } } } } });
    expect(message).toContain(`existing exchange "${exchange}" has type = topic`);
    expect(message).toContain('set options.rabbitmq.exchange.type to topic');
  });

  it('an existing exchange the channel would declare differently: names the argument and a delete command that exists', async () => {
    const exchange = other.name('declared');
    await other.declare((channel) => channel.assertExchange(exchange, 'topic', { durable: true }));
    const message = await refusal({ [other.name('c')]: { options: { rabbitmq: { exchange: { name: exchange } } } } });
    expect(message).toContain(`exchange "${exchange}" already exists with type = 'topic', but this channel declares 'fanout'`);
    expect(message).toContain(`rabbitmqadmin delete exchange name='${exchange}'`);
    expect(message).toContain('rabbitmqctl eval');
    expect(message).not.toContain('delete_exchange');
  });

  it('a missing exchange or queue that the mapping says exists', async () => {
    const ghost = other.name('ghost');
    expect(await refusal({ [other.name('c')]: { options: { rabbitmq: { exchange: { name: ghost, declare: false } } } } })).toContain(`existing exchange "${ghost}", which does not exist`);
    expect(await refusal({ [other.name('c')]: { options: { rabbitmq: { groups: { g: { queue: ghost } } } } } })).toContain(`existing queue "${ghost}", which does not exist`);
  });

  it('an existing queue without what the channel declares: x-max-priority, single active consumer, durability', async () => {
    const classic = other.name('classic');
    const quorum = other.name('quorum');
    const transient = other.name('transient');
    await other.declare((channel) => channel.assertQueue(classic, { durable: true, arguments: { 'x-dead-letter-exchange': 'elsewhere' } }));
    await other.declare((channel) => channel.assertQueue(quorum, { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
    await other.declare((channel) => channel.assertQueue(transient, { durable: false }));
    const priority = await refusal({ [other.name('c')]: { requires: { priority: true }, options: { rabbitmq: { groups: { g: { queue: classic } } } } } });
    expect(priority).toContain(`existing queue "${classic}" has x-max-priority = none, but group "g" of channel`);
    expect(priority).toContain('declares priority with maxPriority 10');
    const ordered = await refusal({ [other.name('c')]: { requires: { orderedByKey: true }, options: { rabbitmq: { groups: { g: { queue: quorum } } } } } });
    expect(ordered).toContain(`existing queue "${quorum}" has x-single-active-consumer = none`);
    const durable = await refusal({ [other.name('c')]: { requires: { durable: true }, options: { rabbitmq: { groups: { g: { queue: transient } } } } } });
    expect(durable).toContain(`the existing queue "${transient}" has durable = false`);
    // Nothing was changed on the other service's queues.
    expect(await other.declare((channel) => channel.assertQueue(classic, { durable: true, arguments: { 'x-dead-letter-exchange': 'elsewhere' } }))).toMatchObject({ queue: classic });
  });

  it('accepts an existing queue that has what the channel needs, whatever else it carries', async () => {
    const queue = other.name('fit');
    await other.declare((channel) =>
      channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true, 'x-delivery-limit': 20 } }),
    );
    const bus = await connect({ url: RABBIT_URL, channels: { [other.name('c')]: { requires: { orderedByKey: true, durable: true }, options: { rabbitmq: { groups: { g: { queue } } } } } } });
    await bus.close();
  });

  it('a group subscribing to a direct exchange without bindings is refused, the mapped groups keep working', async () => {
    const name = other.name('direct');
    const bus = await connect({ url: RABBIT_URL, channels: { [name]: { options: { rabbitmq: { exchange: { name, type: 'direct' }, groups: { a: { bindings: ['k'] } } } } } } });
    try {
      await expect(bus.channel(name).subscribe('b', () => {})).rejects.toThrow(/group "b" .*a direct exchange routes exact keys only, so the group needs bindings/);
      const got: unknown[] = [];
      await bus.channel(name).subscribe('a', (m) => void got.push(m.payload));
      await bus.channel(name).publish('hit', { key: 'k' });
      await bus.channel(name).publish('miss', { key: 'other' });
      await bus.channel(name).publish('end', { key: 'k' });
      await expect.poll(() => got, { timeout: 10_000 }).toEqual(['hit', 'end']);
    } finally {
      await bus.close();
    }
  });

  it('a mapping that cannot work fails before any broker traffic, naming the field', async () => {
    const message = await refusal({ [other.name('c')]: { options: { rabbitmq: { exchange: { type: 'direct' }, groups: { g: { bindings: [{ headers: { a: '1' } }] } } } } } });
    expect(message).toMatch(/rabbitmq\.groups\.g\.bindings: header matches need a headers exchange/);
  });
});
