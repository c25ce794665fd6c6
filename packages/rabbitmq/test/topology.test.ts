import { afterEach, describe, expect, it } from 'vitest';
import { connect as amqpConnect } from 'amqplib';
import { connect, deadLetterInfo, type Bus, type Channel, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { brokerSkipReason, RABBIT_URL, rabbitmqctl, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();

describe.skipIf(skip !== undefined)(`rabbitmq topology and delivery${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const buses: Bus[] = [];
  const queues: string[] = [];
  async function open(channels: Parameters<typeof connect>[0]['channels'] = {}): Promise<Bus> {
    const bus = (await connect({ url: RABBIT_URL, channels })) as unknown as Bus;
    buses.push(bus);
    return bus;
  }
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    if (queues.length > 0) {
      const model = await amqpConnect(RABBIT_URL);
      const channel = await model.createChannel();
      for (const queue of queues.splice(0)) await channel.deleteQueue(queue);
      await model.close();
    }
  });

  it('keeps dead letters in the "parked" group of <channel>.dead until someone subscribes', async () => {
    const name = unique('dl');
    queues.push(`${name}:g`, `${name}.dead:parked`);
    const bus = await open({ [name]: { requires: { deadLetter: true }, groups: ['g'] } });
    await bus.channel(name).subscribe('g', () => {
      throw new Error('always fails');
    }, { retry: { maxAttempts: 2, initialDelayMs: 10 } });
    await bus.channel(name).publish({ n: 1 });
    // Nobody listens on the dead channel yet: the message must wait in its parked queue.
    await waitFor(() => /\b1\b/.test(rabbitmqctl('list_queues', 'name', 'messages').split('\n').find((l) => l.startsWith(`${name}.dead:parked`)) ?? ''), {
      timeoutMs: 15_000,
      intervalMs: 200,
      message: 'the dead letter parked',
    });
    const dead: Message[] = [];
    await bus.channel(`${name}.dead`).subscribe('parked', (m) => void dead.push(m));
    await waitFor(() => dead.length === 1, { message: 'parked dead letter delivered' });
    expect(deadLetterInfo(dead[0] as Message)).toMatchObject({ channel: name, group: 'g', attempts: 2, error: 'always fails' });
  });

  it('an undeclared group receives only what is published after it first subscribed', async () => {
    const name = unique('late');
    queues.push(`${name}:late`);
    const bus = await open({ [name]: {} });
    await bus.channel(name).publish('before');
    const got: unknown[] = [];
    await bus.channel(name).subscribe('late', (m) => void got.push(m.payload));
    await bus.channel(name).publish('after');
    await waitFor(() => got.includes('after'));
    expect(got).toEqual(['after']);
  });

  it('a retry waits in a delay queue, not in a prefetch slot: later messages flow meanwhile', async () => {
    const name = unique('retry');
    queues.push(`${name}:g`);
    const bus = await open({ [name]: { groups: ['g'] } });
    const order: string[] = [];
    let failedOnce = false;
    await bus.channel(name).subscribe('g', (m) => {
      if (m.payload === 'poison' && !failedOnce) {
        failedOnce = true;
        throw new Error('first attempt fails');
      }
      order.push(`${String(m.payload)}#${m.attempt}`);
    }, { concurrency: 1, retry: { maxAttempts: 3, initialDelayMs: 800, jitter: 0 } });
    await bus.channel(name).publish('poison');
    // Issued together (one batch, in order): five confirm round trips in a row on a loaded broker
    // could outlast the 800 ms backoff and let the retry in between.
    await Promise.all(Array.from({ length: 5 }, (_, i) => bus.channel(name).publish(`ok-${i}`)));
    await waitFor(() => order.includes('poison#2'), { message: 'the retried message' });
    expect(order).toEqual(['ok-0#1', 'ok-1#1', 'ok-2#1', 'ok-3#1', 'ok-4#1', 'poison#2']);
    const retryQueue = rabbitmqctl('list_queues', 'name', 'arguments').split('\n').find((l) => l.startsWith(`${name}:g~retry-`));
    expect(retryQueue).toMatch(/x-expires/);
    expect(retryQueue).toMatch(/x-dead-letter-routing-key/);
  });

  it('orderedByKey: one active consumer per group, and the standby takes over when it leaves', async () => {
    const name = unique('sac');
    queues.push(`${name}:g`);
    const bus = await open({ [name]: { requires: { orderedByKey: true }, groups: ['g'] } });
    const a: string[] = [];
    const b: string[] = [];
    const subA = await bus.channel(name).subscribe('g', (m) => void a.push(String(m.payload)), { concurrency: 4 });
    await bus.channel(name).subscribe('g', (m) => void b.push(String(m.payload)), { concurrency: 4 });
    for (let i = 0; i < 20; i++) await bus.channel(name).publish(`m${i}`, { key: `k${i % 3}` });
    await waitFor(() => a.length + b.length === 20);
    expect(b).toEqual([]);
    await subA.close();
    await bus.channel(name).publish('after-failover', { key: 'k0' });
    await waitFor(() => b.includes('after-failover'), { message: 'standby consumer took over' });
  });

  it('priority and replay on one channel: the stream sits beside the priority queues', async () => {
    const name = unique('prio-replay');
    queues.push(`${name}:g`, `${name}~stream`);
    const bus = await open({ [name]: { requires: { priority: true, replay: true }, groups: ['g'] } });
    const channel = bus.channel(name) as unknown as Channel<{ requires: { priority: true; replay: true } }>;
    for (let p = 0; p < 5; p++) await channel.publish(`p${p}`, { priority: p });
    const live: string[] = [];
    await bus.channel(name).subscribe('g', (m) => void live.push(String(m.payload)), { concurrency: 1 });
    await waitFor(() => live.length === 5);
    expect(live[0]).toBe('p4');
    const history: string[] = [];
    await channel.replay({ from: 'earliest' }, (m) => void history.push(String(m.payload)));
    await waitFor(() => history.length === 5);
    expect(history).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
  });

  it('a consumer whose queue was deleted under it declares it again and keeps consuming', async () => {
    const name = unique('deleted');
    queues.push(`${name}:g`);
    const bus = await open({ [name]: { groups: ['g'] } });
    const got: string[] = [];
    await bus.channel(name).subscribe('g', (m) => void got.push(String(m.payload)));
    const model = await amqpConnect(RABBIT_URL);
    const channel = await model.createChannel();
    await channel.deleteQueue(`${name}:g`);
    await model.close();
    await waitFor(
      async () => {
        await bus.channel(name).publish('again');
        return got.includes('again');
      },
      { timeoutMs: 15_000, intervalMs: 300, message: 'consumer back on the re-declared queue' },
    );
  });
});
