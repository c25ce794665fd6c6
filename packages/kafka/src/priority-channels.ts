import type { ChannelTopologyReport, ConsumeOptions, ConsumerHandle, DeliverFn, Logger, WireMessage } from '@switchboard/core';
import type { ConsumerStarter } from './consumer-starter.js';
import type { GroupConsumer } from './group-consumer.js';
import { GroupProtocolError } from './kafka-errors.js';
import { bucketGroupId, bucketTopic, priorityLevels, routeByPriority } from './priority-buckets.js';
import { PriorityConsumer } from './priority-consumer.js';
import type { TopicAdmin, TopicSpec } from './topic-admin.js';

/** A topic a channel's messages live in, with a consumer group id on it. */
export interface Level {
  topic: string;
  groupId: string;
}

export interface PriorityChannelsDeps {
  topics(): TopicAdmin;
  consumers: ConsumerStarter;
  /** The spec a topic of `channel` is created with (partitions, durability, replication). */
  topicSpec(channel: string, topic: string, partitions: number): TopicSpec;
  /** The channel's consumer group id of a subscriber group. */
  groupIdOf(channel: string, group: string): string;
  /** Names the protocol a consumer group's running members use (a join refused for it). */
  explainProtocolConflict(error: GroupProtocolError, groupId: string, channel: string, group: string): Promise<GroupProtocolError>;
  /** Longest wait for a level's unread partitions to show a record before lower levels go on. */
  settleTimeoutMs: number;
  logger: Logger;
}

/**
 * The channels of one bus that declared `priority`: their bucket topics, where each message goes,
 * and their subscriptions (one consumer group per level feeding a {@link PriorityConsumer}).
 * Other channels pass through: one level, the channel topic.
 */
export class PriorityChannels {
  /** Channel → its maxPriority. */
  private readonly maxPriorities = new Map<string, number>();

  constructor(private readonly deps: PriorityChannelsDeps) {}

  has(channel: string): boolean {
    return this.maxPriorities.has(channel);
  }

  /** Creates the bucket topics above level 0 like the channel topic (partitions, durability). */
  async declare(channel: string, topic: string, partitions: number, options: Record<string, unknown>): Promise<void> {
    const declared = options['maxPriority'];
    const maxPriority = typeof declared === 'number' && Number.isInteger(declared) && declared > 0 ? declared : 10;
    for (let level = 1; level < priorityLevels(maxPriority); level++) {
      await this.deps.topics().ensureTopic(this.deps.topicSpec(channel, bucketTopic(topic, level), partitions));
    }
    this.maxPriorities.set(channel, maxPriority);
  }

  /** The topics a channel's messages live in, with the consumer group id of `group` (if given) on each: one per priority level. */
  levelsOf(channel: string, topic: string, group?: string): Level[] {
    const maxPriority = this.maxPriorities.get(channel);
    const levels = maxPriority === undefined ? 1 : priorityLevels(maxPriority);
    const groupId = group === undefined ? '' : this.deps.groupIdOf(channel, group);
    return Array.from({ length: levels }, (_, level) => ({ topic: bucketTopic(topic, level), groupId: bucketGroupId(groupId, level) }));
  }

  /** The batches to produce: each message to its bucket topic on a priority channel, all to `topic` on another. */
  route(channel: string, topic: string, messages: WireMessage[]): [string, WireMessage[]][] {
    const maxPriority = this.maxPriorities.get(channel);
    return maxPriority === undefined ? [[topic, messages]] : [...routeByPriority(topic, maxPriority, messages)];
  }

  /** Adds a priority channel's bucket topics and level count to its topology report. */
  decorate(channel: string, report: ChannelTopologyReport): ChannelTopologyReport {
    const maxPriority = this.maxPriorities.get(channel);
    if (maxPriority === undefined) return report;
    const topic = report.names['topic'] ?? channel;
    for (let level = 1; level < priorityLevels(maxPriority); level++) report.names[`priority level ${level}`] = bucketTopic(topic, level);
    report.settings['priorityLevels'] = priorityLevels(maxPriority);
    return report;
  }

  /** A subscription of a priority channel: one consumer (and consumer group) per bucket topic, feeding one priority gate. */
  async consume(channel: string, group: string, topic: string, declared: boolean, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const { consumers } = this.deps;
    const levels = this.levelsOf(channel, topic, group);
    await Promise.all(levels.map((level) => consumers.prepareGroup(level.groupId, level.topic, declared ? 'earliest' : 'latest')));
    const label = `subscriber group "${group}" of channel "${channel}"`;
    const consumer = new PriorityConsumer({
      levels,
      concurrency: options.concurrency,
      deliver,
      toDelivery: (level) => consumers.deliveryFactory(levels[level]?.topic ?? topic),
      unread: (groupId, topic, partitions) => this.deps.topics().unreadPartitions(groupId, topic, partitions),
      logger: this.deps.logger,
      label,
      settleTimeoutMs: this.deps.settleTimeoutMs,
      status: options.status,
      start: async (bucket): Promise<GroupConsumer> => {
        try {
          return await consumers.start({
            topic: bucket.topic,
            groupId: bucket.groupId,
            label: bucket.level === 0 ? label : `${label} (priority level ${bucket.level})`,
            // As for any subscriber group: only partitions added after prepareGroup lack an offset.
            fromBeginning: true,
            commit: true,
            // Every partition of the level feeds the gate at once; the gate bounds what is held.
            concurrency: Number.MAX_SAFE_INTEGER,
            deliver: bucket.deliver,
            toDelivery: bucket.toDelivery,
            onAssign: bucket.onAssign,
            status: bucket.status,
          });
        } catch (error) {
          if (error instanceof GroupProtocolError) throw await this.deps.explainProtocolConflict(error, bucket.groupId, channel, group);
          throw error;
        }
      },
    });
    await consumer.start();
    return consumer;
  }
}
