// Queue types on the single test node: which queues a channel gets, what the delivery limit does,
// and what an old classic queue under a durable channel is told. The cluster behaviour (node loss,
// rolling restart) is in test/cluster/.
import { connect as amqpConnect } from 'amqplib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect, type Bus, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { ForeignService } from './foreign-service.js';
import { brokerSkipReason, RABBIT_URL, rabbitmqctl } from './rabbit-env.js';

const skip = await brokerSkipReason();

describe.skipIf(skip !== undefined)(`rabbitmq queue types${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const other = new ForeignService();
  const buses: Bus[] = [];

  async function open(channels: Parameters<typeof connect>[0]['channels'], options: Record<string, unknown> = {}): Promise<Bus> {
    const bus = (await connect({ url: RABBIT_URL, channels, options })) as unknown as Bus;
    buses.push(bus);
    return bus;
  }

  /** Queue name → type, as the broker lists them (AMQP cannot read a queue's type). */
  function types(): Map<string, string> {
    const rows = rabbitmqctl('list_queues', 'name', 'type', '--no-table-headers').split('\n').map((line) => line.trim().split(/\s+/));
    return new Map(rows.filter((row) => row[0]?.startsWith(other.prefix)).map(([name, type]) => [name as string, type as string]));
  }

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    await other.cleanup();
  }, 60_000);

  it('auto: a durable channel gets quorum queues (its retry queues and dead letters too), priority keeps classic ones', async () => {
    const durable = other.name('durable');
    const prioritised = other.name('prio');
    const plain = other.name('plain');
    const bus = await open({
      [durable]: { requires: { durable: true, deadLetter: true }, groups: ['g'] },
      [prioritised]: { requires: { durable: true, priority: true }, groups: ['g'] },
      [plain]: { requires: { workQueue: true }, groups: ['g'] },
    });
    // The dead channel's group queue is bound when it first subscribes: before the message can die.
    const dead: unknown[] = [];
    await bus.channel(`${durable}.dead`).subscribe('ops', (m) => void dead.push(m.payload));
    const seen: number[] = [];
    await bus.channel(durable).subscribe(
      'g',
      (m: Message) => {
        seen.push(m.attempt);
        throw new Error('always fails');
      },
      { retry: { maxAttempts: 2, initialDelayMs: 20, jitter: 0 } },
    );
    await bus.channel(durable).publish({ n: 1 });
    await waitFor(() => dead.length === 1, { timeoutMs: 20_000, message: 'the dead letter' });
    expect(seen).toEqual([1, 2]);
    const listed = types();
    expect(listed.get(`${durable}:g`)).toBe('quorum');
    expect([...listed].filter(([name]) => name.startsWith(`${durable}:g~retry-`)).map(([, type]) => type)).toEqual(['quorum']);
    expect(listed.get(`${durable}.dead:parked`)).toBe('quorum');
    expect(listed.get(`${durable}.dead:ops`)).toBe('quorum');
    expect(listed.get(`${prioritised}:g`)).toBe('classic');
    expect(listed.get(`${plain}:g`)).toBe('classic');
    expect(bus.report().channels[prioritised]?.durable?.detail).toContain('not its loss on a cluster');
  });

  it('quorum with priority required is refused before any traffic, naming the way out', async () => {
    const name = other.name('qprio');
    await expect(open({ [name]: { requires: { priority: true }, options: { queueType: 'quorum' } } })).rejects.toThrow(/quorum queues have no message priority in RabbitMQ 3\.10.*queueType: 'classic'/s);
    expect(types().has(`${name}:g`)).toBe(false);
  });

  it('deliveryLimit: a message that is never acked is dead-lettered by the broker into <channel>.dead', async () => {
    const name = other.name('limit');
    const bus = await open({ [name]: { requires: { durable: true }, groups: ['g'], options: { deliveryLimit: 2 } } });
    await bus.channel(name).publish({ poison: true });
    // A consumer that takes the message and gives it back, as a crashing one does.
    const connection = await amqpConnect(RABBIT_URL);
    const channel = await connection.createChannel();
    let deliveries = 0;
    await channel.consume(`${name}:g`, (message) => {
      if (message === null) return;
      deliveries++;
      channel.nack(message, false, true);
    });
    // Read with plain amqplib: the broker's own dead-lettering leaves its reason in x-death.
    let parked: { body: unknown; reason: unknown } | undefined;
    await waitFor(
      async () => {
        const message = await channel.get(`${name}.dead:parked`, { noAck: true });
        if (message !== false) parked = { body: JSON.parse(message.content.toString()), reason: message.properties.headers?.['x-first-death-reason'] };
        return parked !== undefined;
      },
      { timeoutMs: 20_000, message: 'the message in <channel>.dead after its delivery limit' },
    );
    await connection.close();
    expect(deliveries).toBeGreaterThanOrEqual(2);
    expect(parked).toEqual({ body: { poison: true }, reason: 'delivery_limit' });
  });

  it('an existing classic queue under a durable channel: the ConfigError says how to keep it or move on', async () => {
    const name = other.name('legacy');
    await other.declare((channel) => channel.assertQueue(`${name}:g`, { durable: true }));
    await expect(open({ [name]: { requires: { durable: true }, groups: ['g'] } })).rejects.toThrow(
      new RegExp(`"${name}:g" already exists as a classic queue, but this channel declares it as a quorum queue.*queueType: 'classic'`, 's'),
    );
    const bus = await open({ [name]: { requires: { durable: true }, groups: ['g'], options: { queueType: 'classic' } } });
    expect(bus.report().channels[name]?.durable?.detail).toContain("the channel sets queueType: 'classic'");
  });
});
