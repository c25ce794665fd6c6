import { ClosedError, ConnectionError, MessageTooLargeError, type Logger, type WireMessage } from '@switchboard/core';
import type { Kafka, Message, Producer } from 'kafkajs';
import { compressionType, type CompressionName } from './compression-registry.js';
import { placedPartition } from './partition-placement.js';
import { protocolErrorType, translateKafkaError } from './kafka-errors.js';
import { recordBytes, toKafkaMessage } from './kafka-message.js';
import type { ResolvedKafkaOptions } from './options.js';
import { placementPartitioner } from './partition-placement.js';
import type { TopicAdmin } from './topic-admin.js';

interface PendingBatch {
  topic: string;
  messages: WireMessage[];
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/** Re-sends of the partitions kafkajs left unacknowledged before a publish fails (each round waits for leaders anew). */
const MAX_SEND_ROUNDS = 5;

/**
 * The messages of partitions `sendBatch` resolved without an acknowledgement for. kafkajs 2.2.4
 * (tulios/kafkajs#1303) keeps one response per broker across its retries: when a partition's
 * leader dies mid-request and the partition moves to a broker that already answered for its own
 * partitions, the retry sends nothing for it and the batch resolves, its messages never written.
 * Every message carries an explicit partition, so the acknowledgements tell which ones are missing.
 */
export function unacknowledged(sent: [string, Message[]][], acked: { topicName: string; partition: number }[]): [string, Message[]][] {
  const done = new Set(acked.map((r) => `${r.topicName}\n${r.partition}`));
  const missing: [string, Message[]][] = [];
  for (const [topic, messages] of sent) {
    const left = messages.filter((m) => {
      const partition = placedPartition(m);
      return partition !== undefined && !done.has(`${topic}\n${partition}`);
    });
    if (left.length > 0) missing.push([topic, left]);
  }
  return missing;
}

/**
 * Produces core's publish batches with acks=all, one `send` at a time. Batches that arrive while a
 * send is in flight are merged into the next one (up to the size limit), so a busy publisher pays
 * one broker round trip per merged request rather than per batch.
 *
 * Sends are serialised on purpose: kafkajs' idempotent producer assigns sequence numbers per
 * partition and rolls them back when a request fails, so a concurrent send could reuse the
 * sequence of a request the broker did store, and the broker would then drop the newer batch as a
 * duplicate while acknowledging it. For the same reason a record keeps the partition of its first
 * attempt (see placementPartitioner), and after a failed send the producer is replaced so its
 * successor starts with a fresh producer id.
 */
export class KafkaPublisher {
  private producer: Promise<Producer> | undefined;
  /** `producer` once connected. */
  private connected: Producer | undefined;
  private queue: PendingBatch[] = [];
  private sending = false;
  private idle: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ResolvedKafkaOptions,
    private readonly admin: TopicAdmin,
    private readonly logger: Logger,
    /** Compression of the batches produced to a topic (its channel's choice, else the bus default). */
    private readonly compressionOf: (topic: string) => CompressionName = () => options.compression,
  ) {}

  /** Connects the producer up front so the first publish does not pay for it. */
  async connect(): Promise<void> {
    await this.current();
  }

  publish(topic: string, messages: WireMessage[]): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('The Kafka backend is closed'));
    if (messages.length === 0) return Promise.resolve();
    let bytes = 0;
    for (const m of messages) bytes += recordBytes(m);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, messages, bytes, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.sending) return;
    this.sending = true;
    this.idle = (async () => {
      try {
        while (this.queue.length > 0) await this.sendNext();
      } finally {
        this.sending = false;
      }
    })();
  }

  /** Takes queued batches up to the size limit and sends them as one request (or splits one oversized batch). */
  private async sendNext(): Promise<void> {
    const limit = this.options.maxMessageBytes;
    const taken: PendingBatch[] = [this.queue.shift() as PendingBatch];
    let bytes = taken[0]!.bytes;
    while (this.queue.length > 0 && bytes + this.queue[0]!.bytes <= limit) {
      const next = this.queue.shift() as PendingBatch;
      bytes += next.bytes;
      taken.push(next);
    }
    try {
      const requests = taken.length === 1 && bytes > limit ? split(taken[0]!, limit).map((r) => [r]) : [taken];
      for (const request of requests) await this.send(request);
      for (const batch of taken) batch.resolve();
    } catch (error) {
      const translated = await this.translate(error, taken);
      for (const batch of taken) batch.reject(translated);
    }
  }

  private async send(batches: Pick<PendingBatch, 'topic' | 'messages'>[]): Promise<void> {
    // One produce request has one compression, so topics are grouped by theirs (one request
    // per codec in use, sent one after the other like every request).
    const byCompression = new Map<CompressionName, Map<string, Message[]>>();
    for (const batch of batches) {
      const compression = this.compressionOf(batch.topic);
      let byTopic = byCompression.get(compression);
      if (byTopic === undefined) byCompression.set(compression, (byTopic = new Map()));
      let list = byTopic.get(batch.topic);
      if (list === undefined) byTopic.set(batch.topic, (list = []));
      // Partitions are chosen by placementPartitioner from the producer's own metadata.
      for (const wire of batch.messages) list.push(toKafkaMessage(wire));
    }
    for (const [compression, byTopic] of byCompression) {
      const producer = this.connected ?? (await this.current());
      try {
        let pending = [...byTopic];
        for (let round = 1; ; round++) {
          const acked = await producer.sendBatch({
            acks: -1,
            compression: compressionType(compression),
            topicMessages: pending.map(([topic, messages]) => ({ topic, messages })),
          });
          pending = unacknowledged(pending, acked);
          if (pending.length === 0) break;
          if (round >= MAX_SEND_ROUNDS) throw new ConnectionError(`Kafka acknowledged only part of a produce batch ${round} times in a row (partition leaders moving); the publish is not confirmed`);
          this.logger.warn('switchboard kafka: a produce batch resolved without an acknowledgement for some partitions (a leader moved meanwhile); sending those again', {
            partitions: pending.flatMap(([topic, messages]) => [...new Set(messages.map((m) => `${topic}/${placedPartition(m)}`))]),
          });
        }
      } catch (error) {
        if (this.options.idempotent) this.retire(producer);
        throw error;
      }
    }
  }

  private async translate(error: unknown, batches: PendingBatch[]): Promise<unknown> {
    const type = protocolErrorType(error);
    const topics = [...new Set(batches.map((b) => b.topic))];
    if (type !== undefined && TOO_LARGE.has(type)) {
      const largest = Math.max(...batches.flatMap((b) => b.messages.map(recordBytes)));
      const brokerLimit = (await Promise.all(topics.map((t) => this.admin.maxMessageBytes(t)))).find((l) => l !== undefined);
      const limit = brokerLimit ?? this.options.maxMessageBytes;
      return new MessageTooLargeError(
        `Kafka refused a message on ${topics.join(', ')} as too large (${type}): the topic accepts record batches up to ` +
          `${limit} bytes (max.message.bytes); the largest message was about ${largest} bytes. ` +
          'Send a reference instead of the payload, or raise the topic limit and the maxMessageBytes option together',
        largest,
        limit,
        { cause: error },
      );
    }
    return translateKafkaError(error, `publishing to ${topics.join(', ')}`);
  }

  private current(): Promise<Producer> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer({
        createPartitioner: placementPartitioner,
        // Partitions added to a topic reach key placement once the producer re-reads metadata.
        metadataMaxAge: this.options.metadataMaxAgeMs,
        allowAutoTopicCreation: false,
        idempotent: this.options.idempotent,
        maxInFlightRequests: this.options.idempotent ? 1 : 5,
        retry: this.retryOptions(),
      });
      const connected = producer.connect().then(
        () => {
          if (this.producer === connected) this.connected = producer;
          return producer;
        },
        (error: unknown) => {
          if (this.producer === connected) this.producer = undefined;
          throw translateKafkaError(error, 'connecting the producer');
        },
      );
      this.producer = connected;
    }
    return this.producer;
  }

  private retryOptions() {
    const { retries, initialRetryTimeMs, maxRetryTimeMs } = this.options.retry;
    return { retries, initialRetryTime: initialRetryTimeMs, maxRetryTime: maxRetryTimeMs };
  }

  /** Drops a producer whose last send failed; the next send connects a new one (new producer id). */
  private retire(producer: Producer): void {
    this.producer = undefined;
    this.connected = undefined;
    producer.disconnect().catch(() => {});
    this.logger.debug('switchboard kafka: replaced the producer after a failed send');
  }

  /** Sends what is queued (bounded by the retry budget), then disconnects. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
    const producer = this.producer;
    this.producer = undefined;
    this.connected = undefined;
    if (producer !== undefined) await producer.then((p) => p.disconnect()).catch(() => {});
  }
}

/** Splits one batch larger than a request may be into requests under `limit` (a single huge message goes alone). */
function split(batch: PendingBatch, limit: number): Pick<PendingBatch, 'topic' | 'messages'>[] {
  const requests: Pick<PendingBatch, 'topic' | 'messages'>[] = [];
  let current: WireMessage[] = [];
  let bytes = 0;
  for (const message of batch.messages) {
    const size = recordBytes(message);
    if (current.length > 0 && bytes + size > limit) {
      requests.push({ topic: batch.topic, messages: current });
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) requests.push({ topic: batch.topic, messages: current });
  return requests;
}
