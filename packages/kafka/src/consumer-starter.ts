import type { ConsumeOptions, Delivery, DeliverFn, Logger } from '@switchboard/core';
import type { Kafka as KafkaClient, KafkaMessage } from 'kafkajs';
import type { KafkaClientMonitor } from './client-monitor.js';
import { GroupConsumer, type DeliveryFactory } from './group-consumer.js';
import { fromKafkaMessage } from './kafka-message.js';
import type { ResolvedKafkaOptions } from './options.js';
import { encodePosition } from './position.js';
import type { TopicAdmin } from './topic-admin.js';

const ID_HEADER = 'ce_id';

/** What one consumer of one topic in one consumer group is started with. */
export interface ConsumerConfig {
  topic: string;
  groupId: string;
  label: string;
  fromBeginning: boolean;
  seekTo?: Map<number, string>;
  commit: boolean;
  concurrency: number;
  deliver: DeliverFn;
  toDelivery: DeliveryFactory;
  status?: ConsumeOptions['status'];
  onAssign?: (partitions: number[]) => void;
  /** Fetch `minBytes` of this consumer, when not the bus's `minBytes` option (request/reply's consumers fetch with 1). */
  minBytes?: number;
}

/**
 * Starts the bus's consumers (subscriber groups, retry and priority levels, forwarders,
 * responders, reply listeners) with the bus's options, watched by the client monitor, and closes
 * whichever are still running when the bus closes.
 */
export class ConsumerStarter {
  private readonly running = new Set<GroupConsumer>();
  private readonly groupSetups = new Map<string, Promise<void>>();

  constructor(
    private readonly kafka: KafkaClient,
    private readonly monitor: KafkaClientMonitor,
    private readonly options: ResolvedKafkaOptions,
    private readonly logger: Logger,
    /** The connected bus's topic admin (throws while the bus is not connected or closed). */
    private readonly topics: () => TopicAdmin,
  ) {}

  /**
   * Gives a group without committed offsets explicit ones before its first member runs, so it
   * starts exactly at the log end (or, for declared groups, at the earliest retained message)
   * no matter which member gets which partition. Serialised per group within this process.
   */
  prepareGroup(groupId: string, topic: string, start: 'earliest' | 'latest'): Promise<void> {
    const topics = this.topics();
    const previous = this.groupSetups.get(groupId) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        if (await topics.hasCommittedOffsets(groupId, topic)) return;
        const offsets = await topics.topicOffsets(topic);
        await topics.pinGroup(groupId, topic, offsets.map((o) => ({ partition: o.partition, offset: start === 'earliest' ? o.low : o.high })));
      });
    this.groupSetups.set(groupId, next);
    return next;
  }

  /** Starts a consumer; it is closed with {@link closeAll} unless closed before. */
  async start(config: ConsumerConfig): Promise<GroupConsumer> {
    const partitions = await this.topics().partitionCount(config.topic);
    // Watched for health, connection events and lag (the group pin's short-lived consumer is not).
    const client = this.monitor.consumerClient(this.kafka, config.groupId);
    const consumer = new GroupConsumer({
      ...config,
      kafka: client.kafka,
      options: this.options,
      logger: this.logger,
      partitionsConcurrently: Math.max(1, Math.min(config.concurrency, partitions)),
    });
    try {
      await consumer.start();
    } catch (error) {
      client.forget();
      throw error;
    }
    this.running.add(consumer);
    consumer.afterClose(async () => {
      this.running.delete(consumer);
      client.forget();
    });
    return Object.assign(consumer, { lag: () => this.monitor.lag(client.name) });
  }

  /** Turns a record of `topic` into a delivery: headers decoded, position encoded, ack attached. */
  deliveryFactory(topic: string): DeliveryFactory {
    return (message: KafkaMessage, partition: number, ack: () => void, redelivered: boolean): Delivery => {
      // Extends the freshly built wire object in place: a spread copy per message showed in profiles.
      const delivery = fromKafkaMessage(message, ID_HEADER, topic, partition) as Delivery;
      delivery.redelivered = redelivered;
      delivery.position = encodePosition({ partition, offset: message.offset, timestamp: delivery.timestamp });
      delivery.ack = ack;
      return delivery;
    };
  }

  /** Closes every consumer still running. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.running].map((consumer) => consumer.close()));
  }
}
