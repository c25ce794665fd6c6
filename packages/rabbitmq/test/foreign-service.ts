import { randomBytes } from 'node:crypto';
import { connect as amqpConnect, type Channel, type ChannelModel, type ConsumeMessage, type Options } from 'amqplib';
import { RABBIT_URL, rabbitmqctl } from './rabbit-env.js';

/** What the "other service" received: routing key, parsed body and its headers. */
export interface ForeignDelivery {
  routingKey: string;
  body: unknown;
  headers: Record<string, unknown>;
  contentType: string | undefined;
}

/**
 * A service that is not Switchboard: plain amqplib, declaring its own exchanges and queues,
 * publishing without CloudEvents headers and consuming by binding pattern. Every name it and the
 * Switchboard buses of a test create starts with `prefix`, so `cleanup()` finds them all.
 */
export class ForeignService {
  readonly prefix = `sbbf-${randomBytes(3).toString('hex')}`;
  private connection: ChannelModel | undefined;
  private channel: Channel | undefined;

  /** A unique broker name for this test run. */
  name(what: string): string {
    return `${this.prefix}-${what}-${randomBytes(2).toString('hex')}`;
  }

  private async confirmChannel(): Promise<Channel> {
    this.connection ??= await amqpConnect(RABBIT_URL);
    this.channel ??= await this.connection.createConfirmChannel();
    return this.channel;
  }

  /** Runs one declare on a channel of its own (a refused one closes only that channel). */
  async declare<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    this.connection ??= await amqpConnect(RABBIT_URL);
    const channel = await this.connection.createChannel();
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => {});
    }
  }

  /** Publishes a JSON body the way another service would: no CloudEvents attributes. */
  async publish(exchange: string, routingKey: string, body: unknown, options: Options.Publish = {}): Promise<void> {
    const channel = (await this.confirmChannel()) as Channel & { waitForConfirms(): Promise<void> };
    const content = typeof body === 'string' ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
    channel.publish(exchange, routingKey, content, options);
    await channel.waitForConfirms();
  }

  /** Consumes from an exclusive queue bound to `exchange` with `pattern` (and header args). */
  async consume(exchange: string, pattern: string, args?: Record<string, unknown>): Promise<ForeignDelivery[]> {
    this.connection ??= await amqpConnect(RABBIT_URL);
    const channel = await this.connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, pattern, args);
    const got: ForeignDelivery[] = [];
    await channel.consume(queue, (message: ConsumeMessage | null) => {
      if (message === null) return;
      const text = message.content.toString('utf8');
      got.push({ routingKey: message.fields.routingKey, body: JSON.parse(text), headers: message.properties.headers ?? {}, contentType: message.properties.contentType as string | undefined });
      channel.ack(message);
    });
    return got;
  }

  /** Messages waiting in a queue. */
  async messageCount(queue: string): Promise<number> {
    return this.declare(async (channel) => (await channel.checkQueue(queue)).messageCount);
  }

  /** Deletes every queue and exchange whose name starts with this run's prefix, then disconnects. */
  async cleanup(): Promise<void> {
    const list = (what: 'list_queues' | 'list_exchanges') =>
      rabbitmqctl(what, 'name', '--no-table-headers')
        .split('\n')
        .map((line) => line.trim())
        .filter((name) => name.startsWith(this.prefix));
    const queues = list('list_queues');
    const exchanges = list('list_exchanges');
    this.connection ??= await amqpConnect(RABBIT_URL);
    for (const queue of queues) await this.declare((channel) => channel.deleteQueue(queue)).catch(() => {});
    for (const exchange of exchanges) await this.declare((channel) => channel.deleteExchange(exchange)).catch(() => {});
    await this.connection.close().catch(() => {});
    this.connection = undefined;
    this.channel = undefined;
  }
}
