import type { Channel } from 'amqplib';
import type { Logger } from '@switchboard/core';
import type { RabbitConnection } from './rabbit-connection.js';
import { translateRabbitError } from './rabbit-errors.js';
import type { PublishPlan } from './wire-properties.js';
import { waitForDrain } from './drain-wait.js';

/**
 * Sends replies to direct reply-to addresses on a plain (non-confirm) channel of the publishing
 * connection. A publisher confirm would add nothing here: RabbitMQ confirms a direct reply-to
 * publish at once whether or not the requester is still there, and the reply is not stored. What
 * it did cost was a broker round trip before core may ack the request, which held a prefetch slot
 * (and broker CPU) per request. A lost reply shows up where it matters: as the requester's timeout.
 * Replies go on the publishing connection, not the responder's own channel, so a broker alarm that
 * blocks publishers never stalls the consumers' acks.
 */
export class RabbitReplier {
  private channel: Promise<Channel> | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly connection: RabbitConnection,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Resolves once amqplib took the reply (after 'drain' if its write buffer was full). */
  async reply(replyTo: string, plan: PublishPlan, channelName: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    if (this.connection.blocked !== undefined) await this.connection.whileBlocked(deadline);
    const channel = await (this.channel ?? this.open(deadline));
    let ok: boolean;
    try {
      ok = channel.publish('', replyTo, plan.content, plan.options);
    } catch (error) {
      throw translateRabbitError(error, { endpoint: this.connection.endpoint, operation: `replying on channel "${channelName}"` });
    }
    if (!ok) await waitForDrain(this.waiters, deadline);
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    if (channel !== undefined) await (await channel.catch(() => undefined))?.close().catch(() => {});
  }

  private open(deadline: number): Promise<Channel> {
    const opening = (async () => {
      const model = await this.connection.current(deadline);
      const channel = await model.createChannel();
      channel.on('error', (error: Error) => this.logger.warn('switchboard: RabbitMQ closed the reply channel; a reply was lost', { error: error.message }));
      channel.on('close', () => {
        if (this.channel === opening) this.channel = undefined;
        this.wakeAll();
      });
      channel.on('drain', () => this.wakeAll());
      return channel;
    })().catch((error: unknown) => {
      if (this.channel === opening) this.channel = undefined;
      throw translateRabbitError(error, { endpoint: this.connection.endpoint, operation: 'opening the reply channel' });
    });
    this.channel = opening;
    return opening;
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
