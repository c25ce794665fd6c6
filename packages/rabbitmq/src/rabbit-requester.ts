import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage, Message } from 'amqplib';
import { ConnectionError, NoResponderError, TimeoutError, type Delivery, type WireMessage } from '@switchboard/core';
import type { RabbitConnection } from './rabbit-connection.js';
import { translateRabbitError } from './rabbit-errors.js';
import { requestQueueName } from './topology-names.js';
import { fromDelivery, toPublish } from './wire-properties.js';

/** RabbitMQ's direct reply-to pseudo queue: replies go straight to this channel's consumer, no queue. */
const REPLY_TO = 'amq.rabbitmq.reply-to';

const noop = (): void => {};

interface PendingRequest {
  channel: string;
  resolve(delivery: Delivery): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Sends requests with direct reply-to: one channel per connection consumes `amq.rabbitmq.reply-to`
 * (no-ack, as RabbitMQ requires) and publishes every request on that same channel, `mandatory`, so
 * a request with no responder queue comes back as `basic.return` and fails at once.
 */
export class RabbitRequester {
  private channel: Promise<Channel> | undefined;
  private readonly pending = new Map<string, PendingRequest>();

  constructor(private readonly connection: RabbitConnection) {}

  async request(channelName: string, message: WireMessage, timeoutMs: number): Promise<Delivery> {
    const deadline = Date.now() + timeoutMs;
    const channel = await this.replyChannel(deadline).catch((error: unknown) => {
      if (error instanceof ConnectionError && Date.now() >= deadline) {
        throw new TimeoutError(`request on channel "${channelName}" timed out after ${timeoutMs} ms: ${error.message}`, { cause: error, retriable: true });
      }
      throw error;
    });
    const correlationId = randomUUID();
    const plan = toPublish(message);
    return new Promise<Delivery>((resolve, reject) => {
      const left = Math.max(1, deadline - Date.now());
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new TimeoutError(`No reply on channel "${channelName}" within ${timeoutMs} ms: the responders are busy or failed; raise timeoutMs or add responders`, { retriable: true }));
      }, left);
      this.pending.set(correlationId, { channel: channelName, resolve, reject, timer });
      try {
        // `plan` is ours alone: set the request properties in place rather than copy them.
        const options = plan.options;
        options.persistent = false;
        options.mandatory = true;
        options.replyTo = REPLY_TO;
        options.correlationId = correlationId;
        // A request nobody read in time is useless: let the broker drop it.
        options.expiration = String(left);
        channel.publish('', requestQueueName(channelName), plan.content, options);
      } catch (error) {
        this.settle(correlationId)?.reject(translateRabbitError(error, { endpoint: this.connection.endpoint, operation: `sending a request on channel "${channelName}"` }));
      }
    });
  }

  async close(): Promise<void> {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new ConnectionError('The bus closed before the reply arrived'));
    const channel = this.channel;
    this.channel = undefined;
    if (channel !== undefined) await (await channel.catch(() => undefined))?.close().catch(() => {});
  }

  private settle(correlationId: string): PendingRequest | undefined {
    const pending = this.pending.get(correlationId);
    if (pending === undefined) return undefined;
    this.pending.delete(correlationId);
    clearTimeout(pending.timer);
    return pending;
  }

  private replyChannel(deadline: number): Promise<Channel> {
    this.channel ??= this.openReplyChannel(deadline).catch((error: unknown) => {
      this.channel = undefined;
      throw error;
    });
    return this.channel;
  }

  private async openReplyChannel(deadline: number): Promise<Channel> {
    const model = await this.connection.current(deadline);
    const channel = await model.createChannel();
    const current = this.channel;
    channel.on('error', () => {});
    channel.on('close', () => {
      if (this.channel === current) this.channel = undefined;
      // Replies to requests sent on this channel can no longer arrive.
      for (const id of [...this.pending.keys()]) {
        this.settle(id)?.reject(new ConnectionError('The connection to RabbitMQ dropped before the reply arrived; the request may or may not have been handled'));
      }
    });
    channel.on('return', (returned: Message) => {
      const id = returned.properties.correlationId as string | undefined;
      const pending = id === undefined ? undefined : this.settle(id);
      pending?.reject(
        new NoResponderError(`No responder on channel "${pending.channel}": nobody called respond() (or every responder closed); start a responder before sending requests`),
      );
    });
    await channel.consume(REPLY_TO, (reply: ConsumeMessage | null) => {
      if (reply === null) return;
      const id = reply.properties.correlationId as string | undefined;
      const pending = id === undefined ? undefined : this.settle(id);
      if (pending === undefined) return;
      const delivery = fromDelivery(reply).wire as Delivery;
      delivery.redelivered = false;
      delivery.ack = noop;
      pending.resolve(delivery);
    }, { noAck: true });
    return channel;
  }
}
