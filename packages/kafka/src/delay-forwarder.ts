import { backoffDelay, RetrySchema, type Delivery, type Logger, type WireMessage } from '@switchboard/core';
import { DueQueue } from './due-queue.js';
import { PartitionTags } from './partition-tags.js';
import { copyHeaders } from './kafka-message.js';
import { Room } from './room.js';
import type { DeliveryFactory } from './group-consumer.js';

/** Header of a record in a delay topic: when (ms since epoch) it is due on its channel. */
export const DUE_HEADER = 'sb-deliver-at';

/** Suffix of a channel's delay topic; channel names ending in it are refused. */
export const DELAY_TOPIC_SUFFIX = '.delay';

/**
 * Delayed records a forwarder holds in memory at once. Past it, it stops fetching until the
 * earliest is forwarded, so a later record due sooner waits behind the held ones (the bounded
 * lateness the capability report states).
 */
export const MAX_HELD = 10_000;

export function delayTopicOf(topic: string): string {
  return `${topic}${DELAY_TOPIC_SUFFIX}`;
}

/** The record a delayed publish writes to the delay topic: the message plus its due time. */
export function toDelayRecord(message: WireMessage, now: number): WireMessage {
  const { delayMs, ...rest } = message;
  const headers = copyHeaders(message.headers);
  headers[DUE_HEADER] = String(now + (delayMs ?? 0));
  return { ...rest, headers };
}

export interface DelayForwarderDeps {
  /** Produces to the channel's own topic; resolves once the broker stored it. */
  forward(message: WireMessage): Promise<void>;
  logger: Logger;
  label: string;
}

const FORWARD_RETRY = RetrySchema.parse({ initialDelayMs: 200, maxDelayMs: 5_000 });

/**
 * Moves records from a channel's delay topic to the channel when they fall due. It is the
 * `deliver` of a committing consumer of the delay topic (group `<channel>:@delay`, shared by every
 * bus that declared the channel with `delayedDelivery`, so each partition has one forwarder): a
 * record is held in a timer queue until due, produced to the channel, and only then acked, so the
 * consumer commits past it only once the channel has it. A process or broker restart therefore
 * loses nothing: the next forwarder reads from the first record not yet forwarded (what was
 * forwarded but not yet committed is forwarded again: at least once).
 */
export class DelayForwarder {
  private readonly queue: DueQueue<Delivery>;
  private readonly partitions = new PartitionTags();
  private readonly room = new Room();
  private closed = false;

  constructor(private readonly deps: DelayForwarderDeps) {
    this.queue = new DueQueue((delivery) => void this.send(delivery, 1));
  }

  /** Deliveries of the delay topic, built by `factory`, tagged with their partition (see {@link assigned}). */
  deliveries(factory: DeliveryFactory): DeliveryFactory {
    return this.partitions.tagging(factory);
  }

  /** The consumer's new assignment: held records of partitions it lost are dropped (their new owner forwards them). */
  readonly assigned = (partitions: readonly number[]): void => {
    this.queue.retain(this.partitions.within(partitions));
    if (this.queue.size < MAX_HELD) this.room.open();
  };

  /** The consumer's `deliver`: holds the record; returns a promise while the queue is full. */
  readonly deliver = (delivery: Delivery): Promise<void> | undefined => {
    const due = Number(delivery.headers[DUE_HEADER]);
    // A record without a readable due time (not written by a delayed publish) is forwarded now.
    this.queue.add(Number.isFinite(due) ? due : 0, delivery);
    return this.queue.size < MAX_HELD ? undefined : this.room.wait();
  };

  private async send(delivery: Delivery, attempt: number): Promise<void> {
    if (this.closed) return;
    const headers = copyHeaders(delivery.headers, [DUE_HEADER]);
    const message: WireMessage = { body: delivery.body, headers, id: delivery.id, timestamp: delivery.timestamp };
    if (delivery.key !== undefined) message.key = delivery.key;
    try {
      await this.deps.forward(message);
      delivery.ack();
      if (this.queue.size < MAX_HELD) this.room.open();
    } catch (error) {
      if (this.closed) return;
      const delay = backoffDelay(FORWARD_RETRY, attempt);
      this.deps.logger.warn(`switchboard kafka: ${this.deps.label} could not forward a delayed message; trying again in ${delay} ms`, {
        id: delivery.id,
        error: (error as Error).message,
      });
      setTimeout(() => void this.send(delivery, attempt + 1), delay);
    }
  }

  /** Drops what is held (uncommitted, so the next forwarder reads it again) and wakes a waiting fetch. */
  close(): void {
    this.closed = true;
    this.queue.clear();
    this.room.open();
  }
}
