import { randomUUID } from 'node:crypto';
import { TimeoutError, type ConsumeOptions, type ConsumerHandle, type DeliverFn, type Delivery, type WireMessage } from '@switchboard/core';
import type { ConsumerStarter } from './consumer-starter.js';
import type { GroupConsumer } from './group-consumer.js';
import { copyHeaders } from './kafka-message.js';
import type { KafkaPublisher } from './kafka-publisher.js';
import type { TopicAdmin } from './topic-admin.js';

/** Headers of the emulated request/reply protocol (the `sb-` prefix keeps them out of app headers). */
export const REPLY_HEADERS = {
  replyTo: 'sb-reply-to',
  correlationId: 'sb-correlation-id',
  /** Epoch ms after which the requester no longer waits; responders skip such requests. */
  deadline: 'sb-reply-deadline',
} as const;
const REPLY_HEADER_NAMES: readonly string[] = Object.values(REPLY_HEADERS);

/** Suffix of reply topics; channel names ending in it are refused so no user channel receives replies. */
export const REPLY_TOPIC_SUFFIX = '.replies';

/** Reply topic of a channel: shared by all requesters, each reading it with its own throwaway group. */
export function replyTopicOf(channel: string): string {
  return `${channel}${REPLY_TOPIC_SUFFIX}`;
}

interface PendingRequest {
  resolve(reply: Delivery): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

export interface RequesterDeps {
  admin: TopicAdmin;
  publisher: KafkaPublisher;
  /** Starts a non-committing consumer of `topic` positioned at its current end. */
  listen(topic: string, deliver: (delivery: Delivery) => void): Promise<GroupConsumer>;
}

/**
 * The requesting side of request/reply over Kafka: stamps a correlation id and the reply topic on
 * the request, produces it, and matches replies read from the reply topic. The reply listener is
 * started (and positioned at the log end) before the first request goes out, so no reply is missed.
 */
export class KafkaRequester {
  private readonly pending = new Map<string, PendingRequest>();
  private readonly listeners = new Map<string, Promise<GroupConsumer>>();

  constructor(private readonly deps: RequesterDeps) {}

  async request(channel: string, message: WireMessage, timeoutMs: number): Promise<Delivery> {
    const replyTopic = replyTopicOf(channel);
    await this.listener(replyTopic);
    const correlationId = randomUUID();
    const headers = copyHeaders(message.headers);
    headers[REPLY_HEADERS.replyTo] = replyTopic;
    headers[REPLY_HEADERS.correlationId] = correlationId;
    headers[REPLY_HEADERS.deadline] = String(Date.now() + timeoutMs);
    const request: WireMessage = { ...message, headers };
    const reply = new Promise<Delivery>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(
          new TimeoutError(
            `No reply on channel "${channel}" within ${timeoutMs} ms. Kafka request/reply is emulated through topic ` +
              `"${replyTopic}": the responder may be missing, slow, or behind on its partition`,
          ),
        );
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
    // The timer may fire while the request is still being produced (a broker stall): that
    // rejection is returned below, and must not count as unhandled meanwhile.
    reply.catch(() => {});
    try {
      await this.deps.publisher.publish(channel, [request]);
    } catch (error) {
      const entry = this.pending.get(correlationId);
      if (entry !== undefined) {
        clearTimeout(entry.timer);
        this.pending.delete(correlationId);
      }
      throw error;
    }
    return reply;
  }

  private listener(replyTopic: string): Promise<GroupConsumer> {
    let started = this.listeners.get(replyTopic);
    if (started === undefined) {
      started = (async () => {
        await this.deps.admin.ensureTopic({ topic: replyTopic, partitions: 1 });
        return this.deps.listen(replyTopic, (delivery) => this.onReply(delivery));
      })();
      started.catch(() => this.listeners.delete(replyTopic));
      this.listeners.set(replyTopic, started);
    }
    return started;
  }

  private onReply(delivery: Delivery): void {
    delivery.ack();
    const id = delivery.headers[REPLY_HEADERS.correlationId];
    const entry = id === undefined ? undefined : this.pending.get(id);
    if (entry === undefined || id === undefined) return;
    clearTimeout(entry.timer);
    this.pending.delete(id);
    // The delivery was made for this listener alone.
    delivery.headers = withoutReplyHeaders(delivery.headers);
    entry.resolve(delivery);
  }

  /** Fails waiting requests and stops the reply listeners. */
  async close(error: unknown): Promise<void> {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
    this.pending.clear();
    const listeners = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.allSettled(listeners.map(async (l) => (await l).close()));
  }
}

/**
 * A request's round trip crosses two fetches (the responder's, then the reply listener's): neither
 * is held for the `minBytes` option, whatever a bus sets for its subscribers.
 */
const UNHELD_FETCH_BYTES = 1;

export interface RequestConsumersDeps {
  consumers: ConsumerStarter;
  topics(): TopicAdmin;
  produceTo(topic: string, records: WireMessage[]): Promise<void>;
  /** Consumer group id of one of a channel's (or reply topic's) internal groups. */
  groupId(channel: string, group: string): string;
}

/** The consumers of request/reply: a channel's responders and this process's reply listeners. */
export class RequestConsumers {
  private readonly instanceId = randomUUID();

  constructor(private readonly deps: RequestConsumersDeps) {}

  async respond(channel: string, topic: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const { consumers, produceTo } = this.deps;
    const groupId = this.deps.groupId(channel, '@responders');
    await consumers.prepareGroup(groupId, topic, 'latest');
    const plain = consumers.deliveryFactory(topic);
    const send = (topic: string, reply: WireMessage): Promise<void> => produceTo(topic, [reply]);
    return consumers.start({
      topic,
      groupId,
      label: `responders of channel "${channel}"`,
      minBytes: UNHELD_FETCH_BYTES,
      // As for subscriber groups: only partitions added after prepareGroup lack an offset.
      fromBeginning: true,
      commit: true,
      concurrency: options.concurrency,
      status: options.status,
      deliver,
      toDelivery: (message, partition, ack, redelivered) => {
        const delivery = plain(message, partition, ack, redelivered);
        if (delivery === undefined || requestExpired(delivery.headers)) return undefined;
        const reply = replyFor(topic, delivery.headers, send);
        if (reply !== undefined) delivery.reply = reply;
        delivery.headers = withoutReplyHeaders(delivery.headers);
        return delivery;
      },
    });
  }

  /** A non-committing reader of `topic` from its current end (the requester's reply listener). */
  async listen(topic: string, deliver: (delivery: Delivery) => void): Promise<GroupConsumer> {
    const topics = this.deps.topics();
    const offsets = await topics.topicOffsets(topic);
    const groupId = this.deps.groupId(topic, `@requester-${this.instanceId}`);
    const consumer = await this.deps.consumers.start({
      topic,
      groupId,
      label: `reply listener on "${topic}"`,
      minBytes: UNHELD_FETCH_BYTES,
      fromBeginning: false,
      seekTo: new Map(offsets.map((o) => [o.partition, o.high])),
      commit: false,
      concurrency: 64,
      deliver,
      toDelivery: this.deps.consumers.deliveryFactory(topic),
    });
    consumer.afterClose(() => topics.deleteGroup(groupId));
    return consumer;
  }
}

/**
 * The reply function a responder's delivery carries, or undefined when the record is no request.
 * Replies only ever go to the channel's own reply topic: a request cannot steer them elsewhere.
 */
export function replyFor(
  channel: string,
  headers: Record<string, string>,
  send: (topic: string, reply: WireMessage) => Promise<void>,
): ((reply: WireMessage) => Promise<void>) | undefined {
  const replyTopic = replyTopicOf(channel);
  const correlationId = headers[REPLY_HEADERS.correlationId];
  if (headers[REPLY_HEADERS.replyTo] !== replyTopic || correlationId === undefined) return undefined;
  return (reply) => {
    const replyHeaders = copyHeaders(reply.headers);
    replyHeaders[REPLY_HEADERS.correlationId] = correlationId;
    return send(replyTopic, { ...reply, headers: replyHeaders });
  };
}

/** True when the requester stopped waiting for this request. */
export function requestExpired(headers: Record<string, string>, now = Date.now()): boolean {
  const deadline = Number(headers[REPLY_HEADERS.deadline]);
  return Number.isFinite(deadline) && deadline > 0 && deadline < now;
}

/** The application's view of a request or reply: the protocol headers removed. */
export function withoutReplyHeaders(headers: Record<string, string>): Record<string, string> {
  return copyHeaders(headers, REPLY_HEADER_NAMES);
}
