import { createHash } from 'node:crypto';
import { HEADERS, type ConsumerHandle, type Delivery, type DeliverFn, type WireMessage } from '@switchboard/core';
import { DueQueue } from './due-queue.js';
import { copyHeaders } from './kafka-message.js';
import { Room } from './room.js';
import { PartitionTags } from './partition-tags.js';
import type { DeliveryFactory } from './group-consumer.js';
import type { TopicRetention } from './topic-admin.js';

/** Suffix of every retry topic; channel names and topics ending in it are refused. */
export const RETRY_TOPIC_SUFFIX = '.retry';

/** Header of a record in a retry topic: when (ms since epoch) it is due back at its group's handler. */
export const RETRY_DUE_HEADER = 'sb-retry-at';

/** Header of a record in a retry topic: the `position` of the original record in the channel topic. */
export const RETRY_POSITION_HEADER = 'sb-retry-position';

/**
 * Retry records one subscription holds in memory at once (due or not). Past it, its retry consumer
 * stops fetching until one was handed to the handler, so a later record due sooner waits behind
 * the held ones (the bounded lateness the capability report states).
 */
export const MAX_HELD_RETRIES = 1_000;

/** Kafka's longest topic name. */
const MAX_TOPIC_LENGTH = 249;

/**
 * The group id as one topic-name segment without dots, injectively: letters, digits and `-`
 * stay, every other byte is `_` and two hex digits (`:` is `_3a`, `.` is `_2e`, `_` is `_5f`).
 */
function groupSegment(groupId: string): string {
  let out = '';
  for (const byte of Buffer.from(groupId, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9-]/.test(char) ? char : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * The retry topic of one consumer group on one channel topic: `<topic>.<group id>.retry`, the
 * group id encoded without dots (`orders:billing` → `orders.orders_3abilling.retry`). Two different
 * (topic, group id) pairs never get the same name: the last dot before the suffix separates them.
 * A name over Kafka's 249 characters keeps as much of the topic as fits and replaces the group id
 * by `_h` and a SHA-256 prefix of both (no encoded group id starts with `_h`).
 */
export function retryTopicOf(topic: string, groupId: string): string {
  const full = `${topic}.${groupSegment(groupId)}${RETRY_TOPIC_SUFFIX}`;
  if (full.length <= MAX_TOPIC_LENGTH) return full;
  const hash = `_h${createHash('sha256').update(topic).update('\0').update(groupId).digest('hex').slice(0, 40)}`;
  return `${topic.slice(0, MAX_TOPIC_LENGTH - hash.length - RETRY_TOPIC_SUFFIX.length - 1)}.${hash}${RETRY_TOPIC_SUFFIX}`;
}

/** Consumer group that reads a subscriber group's retry topic (`@` never occurs in group names). */
export function retryGroupIdOf(groupId: string): string {
  return `${groupId}:@retry`;
}

export interface RetryRouteDeps {
  /** Produces one record to the group's retry topic; resolves once the broker stored it (acks=all). */
  produce(record: WireMessage): Promise<void>;
  /** The retry topic's `retention.ms`, when it has one (undefined: kept forever, or unknown). */
  retention?: TopicRetention | undefined;
  /** The subscription's `deliver` (core's dispatcher): the same handler and concurrency as the channel's records. */
  deliver: DeliverFn;
}

/**
 * Non-blocking retries of one subscription: a failed message is produced to the group's retry
 * topic with its due time (then its original offset is marked done), so it holds neither a handler
 * slot nor its partition's commit point while it waits. The group's retry consumer hands retry
 * records to {@link hold}, which keeps them in a due-time queue and gives each to the
 * subscription's handler when due; the retry consumer commits past a record only once that
 * handler finished (or retried it again, or dead-lettered it), so a restart loses nothing.
 */
export class RetryRoute {
  private readonly queue: DueQueue<Delivery>;
  private readonly partitions = new PartitionTags();
  /** Due, waiting for core's room. */
  private readonly ready: Delivery[] = [];
  private waitingForRoom = false;
  private readonly room = new Room();
  private stopped = false;

  constructor(private readonly deps: RetryRouteDeps) {
    this.queue = new DueQueue((delivery) => {
      this.ready.push(delivery);
      this.pump();
    });
  }

  private get held(): number {
    return this.queue.size + this.ready.length;
  }

  /**
   * Deliveries of the channel topic, built by `factory`, with `retryLater`. Their `sb-attempt`
   * header is dropped: only records that came back through the retry topic carry a trusted count.
   */
  channelDeliveries(factory: DeliveryFactory): DeliveryFactory {
    return (message, partition, ack, redelivered) => {
      const delivery = factory(message, partition, ack, redelivered);
      if (delivery === undefined) return undefined;
      if (delivery.headers[HEADERS.attempt] !== undefined) delete delivery.headers[HEADERS.attempt];
      delivery.retryLater = this.retryLaterOf(delivery, delivery.position);
      return delivery;
    };
  }

  /** Deliveries of the retry topic, built by `factory`, tagged with their partition (see {@link assigned}). */
  retryDeliveries(factory: DeliveryFactory): DeliveryFactory {
    return this.partitions.tagging(factory);
  }

  /**
   * The retry consumer's new assignment: held records of partitions it lost are dropped (their new
   * owner runs them). A record already handed to the handler runs to its end (at-least-once).
   */
  readonly assigned = (partitions: readonly number[]): void => {
    const keep = this.partitions.within(partitions);
    this.queue.retain(keep);
    const ready = this.ready.filter(keep);
    this.ready.length = 0;
    this.ready.push(...ready);
    this.wakeFetch();
  };

  /** The retry consumer's `deliver`: holds the record until due; returns a promise while too many are held. */
  readonly hold = (delivery: Delivery): Promise<void> | undefined => {
    const headers = delivery.headers;
    const due = Number(headers[RETRY_DUE_HEADER]);
    const position = headers[RETRY_POSITION_HEADER];
    delete headers[RETRY_DUE_HEADER];
    delete headers[RETRY_POSITION_HEADER];
    // Handed to the application as the original, not as a record of the retry topic.
    if (position !== undefined) delivery.position = position;
    else delete delivery.position;
    delivery.retryLater = this.retryLaterOf(delivery, position);
    this.queue.add(Number.isFinite(due) ? due : 0, delivery);
    return this.held < MAX_HELD_RETRIES ? undefined : this.room.wait();
  };

  private retryLaterOf(delivery: Delivery, position: string | undefined): (delayMs: number, headers: Record<string, string>) => Promise<void> {
    return async (delayMs, headers) => {
      const { retention } = this.deps;
      if (retention !== undefined && delayMs >= retention.ms) {
        // The broker could delete the record before it is due: core retries in-process instead.
        throw new Error(
          `a retry in ${Math.round(delayMs)} ms would outlive retry topic "${retention.topic}", which keeps records ${retention.ms} ms (retention.ms); ` +
            'raise its retention.ms or lower retry.maxDelayMs',
        );
      }
      const recordHeaders = copyHeaders(headers);
      recordHeaders[RETRY_DUE_HEADER] = String(Date.now() + Math.max(0, Math.round(delayMs)));
      const record: WireMessage = {
        body: delivery.body,
        headers: recordHeaders,
        id: delivery.id,
        timestamp: delivery.timestamp,
      };
      if (position !== undefined) record.headers[RETRY_POSITION_HEADER] = position;
      if (delivery.key !== undefined) record.key = delivery.key;
      if (delivery.tombstone === true) record.tombstone = true;
      await this.deps.produce(record);
      // Only now: a crash before this line leaves both the original and the retry (a duplicate, never a loss).
      delivery.ack();
    };
  }

  /** Hands due records to core one by one, waiting while core has no room. */
  private pump(): void {
    if (this.waitingForRoom) return;
    while (!this.stopped && this.ready.length > 0) {
      const room = this.deps.deliver(this.ready.shift() as Delivery);
      this.wakeFetch();
      if (room !== undefined) {
        this.waitingForRoom = true;
        void Promise.resolve(room).then(() => {
          this.waitingForRoom = false;
          this.pump();
        });
        return;
      }
    }
  }

  private wakeFetch(): void {
    if (this.held < MAX_HELD_RETRIES) this.room.open();
  }

  /** Hands nothing more to core; what is held stays uncommitted (the group reads it again). */
  stop(): void {
    this.stopped = true;
  }

  /** Drops what is held and wakes a waiting fetch. */
  close(): void {
    this.stopped = true;
    this.queue.clear();
    this.ready.length = 0;
    this.room.open();
  }
}

/** A subscription's channel consumer and retry consumer as one handle for core. */
export class RetryingConsumer implements ConsumerHandle {
  constructor(
    private readonly channel: ConsumerHandle,
    private readonly retries: ConsumerHandle,
    private readonly route: RetryRoute,
  ) {}

  async stop(): Promise<void> {
    this.route.stop();
    await Promise.all([this.channel.stop(), this.retries.stop()]);
  }

  async close(): Promise<void> {
    this.route.close();
    await Promise.all([this.channel.close(), this.retries.close()]);
  }

  lag(): number | undefined {
    const a = this.channel.lag?.();
    const b = this.retries.lag?.();
    return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  }
}
