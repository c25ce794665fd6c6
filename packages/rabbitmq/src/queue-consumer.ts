import type { Channel, ConsumeMessage } from 'amqplib';
import type { ConsumeOptions, ConsumerHandle, Delivery, DeliverFn, Logger } from '@switchboard/core';
import { AckBatcher } from './ack-batcher.js';
import type { RabbitConnection } from './rabbit-connection.js';
import { translateRabbitError } from './rabbit-errors.js';

/** Settles one AMQP message on the channel it came from. */
export interface Settler {
  /** Acks unless the channel is gone (the broker then delivers the message again). Idempotent. */
  ack(): void;
}

export interface QueueConsumerSpec {
  /** For logs and errors, e.g. `group billing of channel orders`. */
  label: string;
  prefetch: number;
  /** Declares what the consumer reads from and returns the queue name; runs before every (re)start. */
  prepare(): Promise<string>;
  /** `basic.consume` arguments, recomputed on every (re)start (a stream resumes where it stopped). */
  consumeArguments?(): Record<string, unknown> | undefined;
  /** Turns an AMQP message into a Delivery; `undefined` means "settled already, do not deliver". */
  toDelivery(message: ConsumeMessage, settle: Settler, channel: Channel): Delivery | undefined;
}

// Referenced: a consumer waiting to resume keeps the process alive (the bus is open).
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One consumer on its own channel, kept alive: after a reconnect it is resumed by the connection's
 * recovery hook; if only its channel closed (or the broker cancelled it, e.g. the queue was
 * deleted) it re-declares and consumes again. Acks from a previous channel are dropped: the broker
 * already gave those messages back.
 */
export class QueueConsumer implements ConsumerHandle {
  private channel: Channel | undefined;
  private acks: AckBatcher | undefined;
  private consumerTag: string | undefined;
  private stopped = false;
  private starting: Promise<void> | undefined;
  private readonly unregister: () => void;

  constructor(
    private readonly connection: RabbitConnection,
    private readonly spec: QueueConsumerSpec,
    private readonly deliver: DeliverFn,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly status: ConsumeOptions['status'],
  ) {
    this.unregister = connection.onConsumerRecovery(() => this.restart());
  }

  /** Starts consuming; resolves once the broker confirmed the consumer (`basic.consume-ok`). */
  async start(): Promise<void> {
    try {
      await this.restart();
    } catch (error) {
      this.stopped = true;
      this.unregister();
      await this.channel?.close().catch(() => {});
      this.channel = undefined;
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unregister();
    const { channel, consumerTag } = this;
    if (channel !== undefined && consumerTag !== undefined) await channel.cancel(consumerTag).catch(() => {});
  }

  async close(): Promise<void> {
    if (!this.stopped) await this.stop();
    const channel = this.channel;
    this.channel = undefined;
    this.acks?.flushNow();
    this.acks = undefined;
    if (channel !== undefined) await channel.close().catch(() => {});
  }

  private restart(): Promise<void> {
    this.starting ??= this.open().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const deadline = Date.now() + this.timeoutMs;
    const queue = await this.spec.prepare();
    const model = await this.connection.current(deadline);
    const previous = this.channel;
    this.channel = undefined;
    // Messages of the old channel go back to the queue when it closes; their acks must not follow.
    this.acks?.close();
    this.acks = undefined;
    if (previous !== undefined) await previous.close().catch(() => {});
    let channel: Channel;
    try {
      channel = await model.createChannel();
    } catch (error) {
      throw translateRabbitError(error, { endpoint: this.connection.endpoint, operation: `opening a channel for ${this.spec.label}` });
    }
    this.channel = channel;
    const acks = new AckBatcher(channel);
    this.acks = acks;
    channel.on('error', (error: Error) => this.logger.warn(`switchboard: RabbitMQ closed the channel of ${this.spec.label}`, { error: error.message }));
    channel.on('close', () => {
      acks.close();
      this.onChannelClosed(channel);
    });
    try {
      await channel.prefetch(this.spec.prefetch);
      const args = this.spec.consumeArguments?.();
      const reply = await channel.consume(queue, (message) => this.onMessage(channel, acks, message), {
        noAck: false,
        ...(args !== undefined && { arguments: args }),
      });
      this.consumerTag = reply.consumerTag;
      this.status({ state: 'live' });
    } catch (error) {
      throw translateRabbitError(error, { endpoint: this.connection.endpoint, operation: `consuming from queue "${queue}" for ${this.spec.label}` });
    }
  }

  private onMessage(channel: Channel, acks: AckBatcher, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (queue deleted or, for a cluster, its node went away).
      this.logger.warn(`switchboard: RabbitMQ cancelled the consumer of ${this.spec.label}; consuming again`);
      this.status({ state: 'recovering', error: new Error(`RabbitMQ cancelled the consumer of ${this.spec.label}`) });
      void this.resumeSoon(channel);
      return;
    }
    const tag = message.fields.deliveryTag;
    acks.delivered(tag);
    // Idempotent: the batcher ignores a tag it no longer holds, and drops every ack once its
    // channel closed (the broker then delivers the message again).
    const settle: Settler = { ack: () => acks.ack(tag) };
    let delivery: Delivery | undefined;
    try {
      delivery = this.spec.toDelivery(message, settle, channel);
    } catch (error) {
      this.logger.error(`switchboard: could not read a message of ${this.spec.label}; it stays unacked`, { error: (error as Error).message });
      return;
    }
    if (delivery !== undefined) void this.deliver(delivery);
  }

  private onChannelClosed(channel: Channel): void {
    if (this.channel !== channel || this.stopped) return;
    this.status({ state: 'recovering', error: this.connection.isOpen ? new Error(`RabbitMQ closed the channel of ${this.spec.label}`) : this.connection.lostError() });
    // A lost connection is handled by the recovery hook; a channel-only close is handled here.
    if (this.connection.isOpen) void this.resumeSoon(channel);
  }

  private async resumeSoon(channel: Channel): Promise<void> {
    for (let attempt = 0; !this.stopped && this.channel === channel; attempt++) {
      await pause(Math.min(100 * 2 ** attempt, 5_000));
      if (!this.connection.isOpen || this.stopped || this.channel !== channel) return;
      try {
        await this.restart();
        return;
      } catch (error) {
        this.logger.warn(`switchboard: could not resume ${this.spec.label}`, { error: (error as Error).message });
        // Still retrying, but nothing arrives until someone fixes what refused it (a deleted queue, a permission).
        this.status({ state: 'failed', error: error as Error });
      }
    }
  }
}
