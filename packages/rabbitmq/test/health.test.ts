// bus.health() and bus.on() on RabbitMQ: a consumer that cannot read (its mapped queue deleted)
// and its recovery, one of the bus's own connections dropped and recovered, a returned publish.
import { randomBytes } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { connect, type Bus, type BusEventMap, type ConnectionStatus, type SubscriptionStatus } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { brokerSkipReason, RABBIT_URL, rabbitmqctl, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();
// Channels are created per test with random names, so they are typed loosely here.
type AnyBus = Omit<Bus, 'channel'> & { channel(name: string, spec?: object): any };

/** Closes only the broker connections whose client-given name contains `name` (never anyone else's). */
function closeOwnConnections(name: string): number {
  const lines = rabbitmqctl('list_connections', 'pid', 'client_properties', '--no-table-headers').split('\n');
  const pids = lines.filter((line) => line.includes(name)).map((line) => line.split('\t')[0]?.trim() ?? '');
  for (const pid of pids) rabbitmqctl('close_connection', pid, 'health test: dropping its own connection');
  return pids.length;
}

describe.skipIf(skip !== undefined)(`rabbitmq health and events${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const buses: AnyBus[] = [];
  const queues: string[] = [];
  const exchanges: string[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    const connection = await amqpConnect(RABBIT_URL);
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await connection.close();
  });

  it('a consumer whose queue was deleted is failed in health() and bus.on("subscription"), and live again once the queue is back', async () => {
    const channel = unique('health');
    const queue = unique('existing-queue');
    queues.push(queue, `${channel}.dead:parked`);
    exchanges.push(channel, `${channel}.dead`);
    const other = await amqpConnect(RABBIT_URL);
    const admin = await other.createChannel();
    await admin.assertQueue(queue, { durable: true });
    const bus = (await connect({ url: RABBIT_URL, channels: { [channel]: { options: { rabbitmq: { groups: { billing: { queue } } } } } } })) as unknown as AnyBus;
    buses.push(bus);
    const seen: SubscriptionStatus[] = [];
    bus.on('subscription', (status) => void seen.push(status));
    // A listener that throws must not disturb the consumer or the other listeners.
    bus.on('subscription', () => {
      throw new Error('a broken listener');
    });
    const handled: unknown[] = [];
    const sub = await bus.channel(channel).subscribe('billing', (m: { payload: unknown }) => void handled.push(m.payload));
    expect(bus.health()).toMatchObject({ ok: true, connections: [{ name: 'publish', state: 'ready' }, { name: 'consume', state: 'ready' }], subscriptions: [{ channel, group: 'billing', state: 'live' }] });
    expect(JSON.stringify(bus.health().connections)).not.toContain('guest:guest');

    await admin.deleteQueue(queue);
    await waitFor(() => sub.status.state === 'failed', { timeoutMs: 30_000, message: 'the subscription reported failed' });
    const failing = bus.health();
    expect(failing.ok).toBe(false);
    expect(failing.subscriptions[0]).toMatchObject({ state: 'failed' });
    expect(failing.subscriptions[0]?.error?.message).toContain(queue);
    expect(failing.lastError).toMatchObject({ source: 'subscription', name: `${channel}/billing` });
    expect(seen.map((s) => s.state)).toContain('failed');

    await admin.assertQueue(queue, { durable: true });
    await waitFor(() => sub.status.state === 'live', { timeoutMs: 30_000, message: 'live again' });
    expect(bus.health().ok).toBe(true);
    // The error stays as the last one after recovery.
    expect(bus.health().lastError?.error.message).toContain(queue);
    expect(seen.at(-1)?.state).toBe('live');
    admin.sendToQueue(queue, Buffer.from(JSON.stringify({ back: true })), { contentType: 'application/json' });
    await waitFor(() => handled.length === 1, { timeoutMs: 10_000, message: 'a message after recovery' });
    await other.close();
  });

  it('a dropped connection is lost, then ready again, in health() and bus.on("connection")', async () => {
    const channel = unique('conn');
    exchanges.push(channel, `${channel}.dead`);
    queues.push(`${channel}:w`, `${channel}.dead:parked`);
    const connectionName = `sb-health-${randomBytes(4).toString('hex')}`;
    const bus = (await connect({ url: RABBIT_URL, options: { connectionName, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } }, channels: { [channel]: { groups: ['w'] } } })) as unknown as AnyBus;
    buses.push(bus);
    const events: ConnectionStatus[] = [];
    bus.on('connection', (status) => void events.push(status));
    await bus.channel(channel).subscribe('w', () => {});
    expect(closeOwnConnections(`${connectionName} (consume)`)).toBe(1);
    await waitFor(() => events.some((e) => e.name === 'consume' && e.state === 'lost'), { timeoutMs: 20_000, message: 'consume connection lost' });
    await waitFor(() => events.some((e) => e.name === 'consume' && e.state === 'ready'), { timeoutMs: 30_000, message: 'consume connection recovered' });
    const lost = events.find((e) => e.state === 'lost') as ConnectionStatus;
    expect(lost.error?.message).toBeTruthy();
    expect(lost.endpoint).toContain('127.0.0.1:5672');
    await waitFor(() => bus.health().ok, { timeoutMs: 30_000, message: 'healthy again' });
    expect(bus.health().lastError).toMatchObject({ source: 'connection', name: 'consume' });
  });

  it('a refused login: neither the error nor any log line contains the password', async () => {
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const lines: string[] = [];
    const record = (level: string) => (message: string, fields?: object) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const url = RABBIT_URL.replace(/\/\/[^@]*@/, `//guest:${password}@`);
    const failure = await connect({ url, logger, options: { reconnect: { initialDelayMs: 50, maxDelayMs: 100 } } }).then(
      () => undefined,
      (error: unknown) => error as Error & { code?: string },
    );
    expect(failure?.code).toBe('SB_AUTH');
    expect(`${failure?.message} ${String(failure?.stack)}`).not.toContain(password);
    expect(lines.join('\n')).not.toContain(password);
  });

  it('a message no queue is bound for comes back as bus.on("returned"); the publish still resolves', async () => {
    const channel = unique('returned');
    exchanges.push(channel, `${channel}.dead`);
    queues.push(`${channel}.dead:parked`);
    const bus = (await connect({ url: RABBIT_URL, channels: { [channel]: {} } })) as unknown as AnyBus;
    buses.push(bus);
    const returned: BusEventMap['returned'][] = [];
    const stop = bus.on('returned', (event) => void returned.push(event));
    await bus.channel(channel).publish({ nobody: 'listens' }, { id: 'lonely-1' });
    await waitFor(() => returned.length === 1, { timeoutMs: 10_000, message: 'the returned message' });
    expect(returned[0]).toEqual({ channel, id: 'lonely-1', reason: 'NO_ROUTE' });
    stop();
    await bus.channel(channel).publish({ nobody: 'listens' });
    expect(returned).toHaveLength(1);
  });
});
