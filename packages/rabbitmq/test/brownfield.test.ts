import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connect, type Bus, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { ForeignService } from './foreign-service.js';
import { brokerSkipReason, RABBIT_URL } from './rabbit-env.js';

const skip = await brokerSkipReason();

/** What a handler saw of a message, enough to tell foreign from Switchboard messages apart. */
interface Seen {
  payload: unknown;
  key: string | undefined;
  attempt: number;
}

describe.skipIf(skip !== undefined)(`rabbitmq on existing topology, next to a plain amqplib service${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const other = new ForeignService();
  const buses: Bus[] = [];

  async function open(channels: Parameters<typeof connect>[0]['channels']): Promise<Bus> {
    const bus = (await connect({ url: RABBIT_URL, channels })) as unknown as Bus;
    buses.push(bus);
    return bus;
  }

  function recorder(into: Seen[]) {
    return (message: Message) => void into.push({ payload: message.payload, key: message.key, attempt: message.attempt });
  }

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    await other.cleanup();
  }, 60_000);

  it('an existing topic exchange with two patterns feeds two groups exactly the messages they match', async () => {
    const exchange = other.name('orders');
    await other.declare((channel) => channel.assertExchange(exchange, 'topic', { durable: true }));
    const name = other.name('ch');
    const bus = await open({
      [name]: {
        requires: { fanout: true },
        options: { rabbitmq: { exchange: { name: exchange, type: 'topic', declare: false }, groups: { eu: { bindings: ['orders.*.eu'] }, all: { bindings: ['orders.#'] } } } },
      },
    });
    const eu: Seen[] = [];
    const all: Seen[] = [];
    await bus.channel(name).subscribe('eu', recorder(eu), { concurrency: 1 });
    await bus.channel(name).subscribe('all', recorder(all), { concurrency: 1 });

    // The other service publishes plain JSON with routing keys and no CloudEvents headers.
    const keys = ['orders.created.eu', 'orders.created.us', 'orders.paid.eu', 'orders.paid.eu.late', 'shipping.created.eu', 'orders'];
    for (const key of keys) await other.publish(exchange, key, { key }, { contentType: 'application/json' });
    // Switchboard's own publisher on the same channel routes by the message key.
    await bus.channel(name).publish({ key: 'sb.orders.refunded.eu' }, { key: 'orders.refunded.eu' });
    await other.publish(exchange, 'orders.end.eu', { key: 'orders.end.eu' });

    await waitFor(() => eu.some((m) => m.key === 'orders.end.eu') && all.some((m) => m.key === 'orders.end.eu'), { message: 'the end marker in both groups' });
    expect(eu.map((m) => m.key)).toEqual(['orders.created.eu', 'orders.paid.eu', 'orders.refunded.eu', 'orders.end.eu']);
    expect(all.map((m) => m.key)).toEqual(['orders.created.eu', 'orders.created.us', 'orders.paid.eu', 'orders.paid.eu.late', 'orders', 'orders.refunded.eu', 'orders.end.eu']);
    // Foreign messages are handled on the first attempt (not retried or dead-lettered), their routing key as key.
    expect(eu[0]).toEqual({ payload: { key: 'orders.created.eu' }, key: 'orders.created.eu', attempt: 1 });
    expect(eu[2]).toEqual({ payload: { key: 'sb.orders.refunded.eu' }, key: 'orders.refunded.eu', attempt: 1 });

    const fanout = bus.report().channels[name]?.fanout?.detail;
    expect(fanout).toContain(`existing topic exchange "${exchange}"`);
    expect(fanout).toContain('only of the messages its bindings match');
    expect(fanout).toContain('group "eu" binds "orders.*.eu"');
  });

  it('a Switchboard publisher with routing keys reaches an amqplib consumer bound by pattern', async () => {
    const exchange = other.name('events');
    await other.declare((channel) => channel.assertExchange(exchange, 'topic', { durable: true }));
    const received = await other.consume(exchange, 'orders.*.eu');
    const name = other.name('pub');
    const bus = await open({ [name]: { options: { rabbitmq: { exchange: { name: exchange, type: 'topic', declare: false } } } } });
    await bus.channel(name).publish({ n: 1 }, { key: 'orders.created.us', headers: { tenant: 't1' } });
    await bus.channel(name).publish({ n: 2 }, { key: 'orders.created.eu', headers: { tenant: 't2' } });
    await waitFor(() => received.length === 1, { message: 'the eu message at the foreign consumer' });
    await bus.channel(name).publish({ n: 3 }, { key: 'orders.paid.eu' });
    await waitFor(() => received.length === 2);
    expect(received.map((m) => [m.routingKey, m.body])).toEqual([
      ['orders.created.eu', { n: 2 }],
      ['orders.paid.eu', { n: 3 }],
    ]);
    expect(received[0]?.headers).toMatchObject({ tenant: 't2', 'cloudEvents_specversion': '1.0', 'cloudEvents_partitionkey': 'orders.created.eu' });
    expect(received[0]?.contentType).toBe('application/json');
  });

  it('a group mapped onto an existing queue consumes what the other service left there, and leaves the queue as it was', async () => {
    const queue = other.name('legacy');
    await other.declare((channel) => channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
    await other.publish('', queue, { n: 1 }, { contentType: 'application/json', messageId: 'legacy-1' });
    await other.publish('', queue, { n: 2 });
    await other.publish('', queue, 'plain words', { contentType: 'text/plain' });
    const name = other.name('drain');
    const bus = await open({ [name]: { requires: { durable: true }, options: { rabbitmq: { groups: { legacy: { queue } } } } } });
    const got: Seen[] = [];
    const ids: string[] = [];
    await bus.channel(name).subscribe('legacy', (m) => {
      ids.push(m.id);
      recorder(got)(m);
    });
    await waitFor(() => got.length === 3, { message: 'the three messages left in the existing queue' });
    expect(got.map((m) => m.payload)).toEqual([{ n: 1 }, { n: 2 }, 'plain words']);
    expect(got.every((m) => m.attempt === 1)).toBe(true);
    expect(ids[0]).toBe('legacy-1');
    await waitFor(async () => (await other.messageCount(queue)) === 0, { message: 'all acked' });
    // Messages the other service keeps sending arrive too; the queue is still the other service's quorum queue.
    await other.publish('', queue, { n: 4 });
    await waitFor(() => got.length === 4);
    expect(bus.report().channels[name]?.durable?.detail).toContain(`Existing queues ("${queue}") are checked to be durable`);
    await bus.close();
    expect(await other.messageCount(queue)).toBe(0);
    await other.declare((channel) => channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } }));
  });

  it('retries and dead letters of a group on an existing queue go through Switchboard\'s own queues, back into that queue', async () => {
    const queue = other.name('owned');
    await other.declare((channel) => channel.assertQueue(queue, { durable: true }));
    const name = other.name('retry');
    const bus = await open({ [name]: { requires: { deadLetter: true }, options: { rabbitmq: { groups: { legacy: { queue } } } } } });
    const dead: unknown[] = [];
    await bus.channel(`${name}.dead`).subscribe('ops', (m) => void dead.push(m.payload));
    const handled: Seen[] = [];
    await bus.channel(name).subscribe(
      'legacy',
      (m) => {
        handled.push({ payload: m.payload, key: m.key, attempt: m.attempt });
        if (m.payload === 'poison' || (m.payload === 'flaky' && m.attempt === 1)) throw new Error('fails');
      },
      { retry: { maxAttempts: 2, initialDelayMs: 50, jitter: 0 } },
    );
    await other.publish('', queue, 'flaky', { contentType: 'text/plain' });
    await other.publish('', queue, 'poison', { contentType: 'text/plain' });
    await waitFor(() => dead.length === 1, { message: 'the poison message dead-lettered' });
    await waitFor(() => handled.some((m) => m.payload === 'flaky' && m.attempt === 2));
    expect(dead).toEqual(['poison']);
    expect(handled.filter((m) => m.payload === 'poison').map((m) => m.attempt)).toEqual([1, 2]);
    await waitFor(async () => (await other.messageCount(queue)) === 0, { message: 'the existing queue drained' });
  });

  it('a direct exchange: exact keys per group, a channel with a fixed routing key, and a delay that keeps its key', async () => {
    const exchange = other.name('direct');
    await other.declare((channel) => channel.assertExchange(exchange, 'direct', { durable: true }));
    const name = other.name('dx');
    const fixed = other.name('dx-paid');
    const bus = await open({
      [name]: {
        requires: { delayedDelivery: true },
        options: { rabbitmq: { exchange: { name: exchange, type: 'direct', declare: false }, groups: { created: { bindings: ['order.created'] }, paid: { bindings: ['order.paid', 'order.refunded'] } } } },
      },
      [fixed]: { options: { rabbitmq: { exchange: { name: exchange, type: 'direct', declare: false }, routingKey: { fixed: 'order.paid' } } } },
    });
    const created: Seen[] = [];
    const paid: Seen[] = [];
    await bus.channel(name).subscribe('created', recorder(created), { concurrency: 1 });
    await bus.channel(name).subscribe('paid', recorder(paid), { concurrency: 1 });
    const channel = bus.channel(name) as unknown as { publish(p: unknown, o: { key?: string; delayMs?: number }): Promise<void> };
    const delayedAt = Date.now();
    await channel.publish('late', { key: 'order.created', delayMs: 400 });
    for (const key of ['order.created', 'order.paid', 'order.cancelled', 'order.refunded']) await channel.publish(key, { key });
    await bus.channel(fixed).publish('from-fixed', { key: 'ignored.by.fixed' });
    await other.publish(exchange, 'order.paid', 'foreign-paid', { contentType: 'text/plain' });

    await waitFor(() => created.some((m) => m.payload === 'late'), { message: 'the delayed message' });
    expect(Date.now() - delayedAt).toBeGreaterThanOrEqual(390);
    await waitFor(() => paid.length === 4);
    expect(created.map((m) => m.payload)).toEqual(['order.created', 'late']);
    expect(created[1]?.key).toBe('order.created');
    expect(paid.map((m) => m.payload)).toEqual(['order.paid', 'order.refunded', 'from-fixed', 'foreign-paid']);
    expect(bus.report().channels[name]?.delayedDelivery?.detail).toContain('headers exchange, so they keep their routing key');
  });

  it('a headers exchange: groups match headers (all / any) from Switchboard and the other service', async () => {
    const exchange = other.name('hdr');
    await other.declare((channel) => channel.assertExchange(exchange, 'headers', { durable: true }));
    const name = other.name('hx');
    const bus = await open({
      [name]: {
        options: {
          rabbitmq: {
            exchange: { name: exchange, type: 'headers', declare: false },
            groups: { eu: { bindings: [{ match: 'all', headers: { region: 'eu' } }] }, big: { bindings: [{ match: 'any', headers: { tier: 'gold', size: 'xl' } }] } },
          },
        },
      },
    });
    const eu: Seen[] = [];
    const big: Seen[] = [];
    await bus.channel(name).subscribe('eu', recorder(eu), { concurrency: 1 });
    await bus.channel(name).subscribe('big', recorder(big), { concurrency: 1 });
    await bus.channel(name).publish('eu-gold', { headers: { region: 'eu', tier: 'gold' } });
    await bus.channel(name).publish('us-xl', { headers: { region: 'us', size: 'xl' } });
    await bus.channel(name).publish('us-plain', { headers: { region: 'us' } });
    await other.publish(exchange, '', 'foreign-eu', { headers: { region: 'eu' }, contentType: 'text/plain' });
    await other.publish(exchange, '', 'end', { headers: { region: 'eu', tier: 'gold' }, contentType: 'text/plain' });
    await waitFor(() => eu.some((m) => m.payload === 'end') && big.some((m) => m.payload === 'end'));
    expect(eu.map((m) => m.payload)).toEqual(['eu-gold', 'foreign-eu', 'end']);
    expect(big.map((m) => m.payload)).toEqual(['eu-gold', 'us-xl', 'end']);
  });

  it('replay on a topic exchange the channel declares: the stream binds "#" and holds every message', async () => {
    const exchange = other.name('replayed');
    const name = other.name('rp');
    const bus = await open({ [name]: { requires: { replay: true }, options: { rabbitmq: { exchange: { name: exchange, type: 'topic' } } } } });
    await bus.channel(name).publish('a', { key: 'x.a' });
    await other.publish(exchange, 'y.b', 'b', { contentType: 'text/plain' });
    const history: unknown[] = [];
    const channel = bus.channel(name) as unknown as { replay(o: { from: 'earliest' }, h: (m: Message) => void): Promise<unknown> };
    await channel.replay({ from: 'earliest' }, (m) => void history.push(m.payload));
    await waitFor(() => history.length === 2, { message: 'both messages replayed' });
    expect(history).toEqual(['a', 'b']);
  });

  it('queue names of look-alike channel and group pairs do not collide', async () => {
    const base = other.name('B');
    const bus = await open({ [base]: { groups: ['q.w', 'dead.parked'] }, [`${base}.q`]: { groups: ['w'] }, [`${base}.dead`]: {} });
    const first: unknown[] = [];
    const second: unknown[] = [];
    const look: unknown[] = [];
    await bus.channel(base).subscribe('q.w', (m) => void first.push(m.payload));
    await bus.channel(`${base}.q`).subscribe('w', (m) => void second.push(m.payload));
    await bus.channel(base).subscribe('dead.parked', (m) => void look.push(m.payload));
    await bus.channel(base).publish('to-B');
    await bus.channel(`${base}.q`).publish('to-B.q');
    await bus.channel(`${base}.dead`).publish('to-B.dead');
    await waitFor(() => first.length === 1 && second.length === 1 && look.length === 1);
    // The dead channel's message waits in its own parked queue, not in group "dead.parked" of B.
    await waitFor(async () => (await other.messageCount(`${base}.dead:parked`)) === 1, { message: 'parked in B.dead:parked' });
    expect([first, second, look]).toEqual([['to-B'], ['to-B.q'], ['to-B']]);
  });
});
