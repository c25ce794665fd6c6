import { ConfigError, type Logger } from '@switchboard/core';
import type { Admin, Kafka } from 'kafkajs';
import { commitGroupOffsets, type PinOptions } from './group-pin.js';
import { ConfigResourceTypes } from './kafkajs-runtime.js';
import { protocolErrorType, translateKafkaError } from './kafka-errors.js';
import { retryTransient, type TransientRetryPolicy } from './transient-retry.js';

/** Kafka's own topic-name rule (the broker refuses anything else). */
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor?: number;
  minInsyncReplicas?: number;
  /**
   * The topic holds a durable channel's messages: unless set above, replication factor 3 and
   * min.insync.replicas 2, capped to what the cluster's brokers can hold.
   */
  durable?: boolean;
}

/** What a durable channel's topic is created with on a cluster of three or more brokers. */
export const DURABLE_REPLICATION_FACTOR = 3;
export const DURABLE_MIN_INSYNC_REPLICAS = 2;

/** Per-partition offsets of a topic, as strings (kafkajs keeps 64-bit offsets as text). */
export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

/**
 * Topic and group bookkeeping over one kafkajs admin client: idempotent topic creation, the
 * per-topic facts publishing needs (partition count, size limit), group offset inspection and
 * the offset pinning that makes a new group start exactly at the log end.
 */
export class TopicAdmin {
  private readonly partitionCounts = new Map<string, Promise<number>>();
  /** The settled values of `partitionCounts`, so the publish path can skip an await. */
  private readonly knownCounts = new Map<string, number>();
  private readonly sizeLimits = new Map<string, Promise<number | undefined>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly pin: PinOptions,
    private readonly retry: TransientRetryPolicy,
    private readonly logger: Logger,
  ) {}

  private again<T>(operation: () => Promise<T>): Promise<T> {
    return retryTransient(operation, this.retry);
  }

  /** Creates the topic unless it exists; resolves with its partition count. */
  async ensureTopic(spec: TopicSpec): Promise<number> {
    if (!TOPIC_NAME.test(spec.topic) || spec.topic === '.' || spec.topic === '..') {
      throw new ConfigError(`"${spec.topic}" is not a valid Kafka topic name: use 1-249 characters from A-Z a-z 0-9 . _ -`);
    }
    try {
      const { replicationFactor, minInsyncReplicas } = await this.replication(spec);
      const created = await this.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: spec.topic,
            numPartitions: spec.partitions,
            ...(replicationFactor !== undefined && { replicationFactor }),
            ...(minInsyncReplicas !== undefined && { configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }] }),
          },
        ],
      });
      if (created) this.logger.debug('switchboard kafka: created topic', { topic: spec.topic, partitions: spec.partitions, replicationFactor, minInsyncReplicas });
    } catch (error) {
      const type = protocolErrorType(error);
      // On a cluster the broker kafkajs asks for leaders may not know the new topic yet: it was created, so wait on.
      if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE') await this.awaitLeaders(spec.topic);
      // A concurrent creator can win between kafkajs' check and ours; the topic exists, which is all we need.
      else if (type !== 'TOPIC_ALREADY_EXISTS') throw translateKafkaError(error, `creating topic "${spec.topic}"`);
    }
    this.partitionCounts.delete(spec.topic);
    this.knownCounts.delete(spec.topic);
    return this.partitionCount(spec.topic);
  }

  /** Waits (with the transient-retry budget) until every partition of a new topic has a leader. */
  private async awaitLeaders(topic: string): Promise<void> {
    try {
      await this.again(async () => {
        const partitions = (await this.admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [];
        if (partitions.length === 0 || partitions.some((p) => p.leader < 0)) {
          throw Object.assign(new Error(`topic "${topic}" has no leader for every partition yet`), { retriable: true });
        }
      });
    } catch (error) {
      throw translateKafkaError(error, `waiting for the leaders of new topic "${topic}"`);
    }
  }

  /**
   * Replication of a topic about to be created. A durable topic's defaults are capped to the
   * brokers there are, so a single development broker still works (with replication factor 1,
   * which survives a restart but not the loss of that broker): logged at warn.
   */
  private async replication(spec: TopicSpec): Promise<{ replicationFactor?: number; minInsyncReplicas?: number }> {
    if (spec.durable !== true) return { ...(spec.replicationFactor !== undefined && { replicationFactor: spec.replicationFactor }), ...(spec.minInsyncReplicas !== undefined && { minInsyncReplicas: spec.minInsyncReplicas }) };
    let replicationFactor = spec.replicationFactor;
    if (replicationFactor === undefined) {
      const brokers = (await this.again(() => this.admin.describeCluster())).brokers.length;
      replicationFactor = Math.max(1, Math.min(DURABLE_REPLICATION_FACTOR, brokers));
      if (replicationFactor < DURABLE_REPLICATION_FACTOR) {
        this.logger.warn('switchboard kafka: the cluster has fewer brokers than a durable topic\'s replicas; its messages survive a broker restart, not the loss of a broker', { topic: spec.topic, brokers, replicationFactor });
      }
    }
    const minInsyncReplicas = spec.minInsyncReplicas ?? Math.max(1, Math.min(DURABLE_MIN_INSYNC_REPLICAS, replicationFactor - 1));
    return { replicationFactor, minInsyncReplicas };
  }

  /** Number of partitions of an existing topic (cached; topics only ever grow partitions by admin action). */
  partitionCount(topic: string): Promise<number> {
    let count = this.partitionCounts.get(topic);
    if (count === undefined) {
      count = this.again(() => this.admin.fetchTopicMetadata({ topics: [topic] }))
        .then(({ topics }) => {
          const partitions = topics[0]?.partitions.length ?? 0;
          if (this.partitionCounts.get(topic) === count) this.knownCounts.set(topic, partitions);
          return partitions;
        })
        .catch((error: unknown) => {
          throw translateKafkaError(error, `reading metadata of topic "${topic}"`);
        });
      count.catch(() => this.partitionCounts.delete(topic));
      this.partitionCounts.set(topic, count);
    }
    return count;
  }

  /** The cached partition count when one was already read, without waiting. */
  knownPartitionCount(topic: string): number | undefined {
    return this.knownCounts.get(topic);
  }

  /** The topic's effective `max.message.bytes`, or undefined when the broker does not say. */
  maxMessageBytes(topic: string): Promise<number | undefined> {
    let limit = this.sizeLimits.get(topic);
    if (limit === undefined) {
      limit = this.admin
        .describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }] })
        .then((result) => {
          const value = result.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue;
          const parsed = Number(value);
          return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
        })
        .catch(() => undefined);
      this.sizeLimits.set(topic, limit);
    }
    return limit;
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    try {
      const offsets = await this.again(() =>
        this.admin.fetchTopicOffsets(topic).catch((error: unknown) => {
          // kafkajs 2.2.4 destructures its ListOffsets answers unchecked: while a new topic's metadata
          // is still incomplete (seen on Kafka 4.1) it throws a TypeError, which is worth another try.
          if (error instanceof TypeError) throw Object.assign(new Error(`incomplete offsets answer for topic "${topic}": ${error.message}`), { retriable: true, cause: error });
          throw error;
        }),
      );
      return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high }));
    } catch (error) {
      throw translateKafkaError(error, `reading offsets of topic "${topic}"`);
    }
  }

  /** Per-partition offset of the first message at or after `timestamp` (the log end where there is none). */
  async offsetsForTimestamp(topic: string, timestamp: number): Promise<Map<number, string>> {
    try {
      const offsets = await this.again(() => this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp));
      return new Map(offsets.map((o) => [o.partition, o.offset]));
    } catch (error) {
      throw translateKafkaError(error, `looking up offsets by timestamp in topic "${topic}"`);
    }
  }

  /** True when the group has a committed offset for any partition of the topic. */
  async hasCommittedOffsets(groupId: string, topic: string): Promise<boolean> {
    try {
      const result = await this.again(() => this.admin.fetchOffsets({ groupId, topics: [topic] }));
      return result.some((t) => t.partitions.some((p) => Number(p.offset) >= 0));
    } catch (error) {
      throw translateKafkaError(error, `reading committed offsets of group "${groupId}"`);
    }
  }

  /**
   * Commits `offsets` for a group that has no running member. Used once per new group so it starts
   * exactly at the log end: kafkajs would otherwise resolve "latest" lazily at its first fetch, and
   * a message published between subscribe() and that fetch would be skipped (as would one landing
   * on a partition that moves to another member before anything was committed for it).
   * Returns false when a member is already running: it pinned the group before it started.
   */
  async pinGroup(groupId: string, topic: string, offsets: { partition: number; offset: string }[]): Promise<boolean> {
    // A running group was pinned by the member that started it.
    if (await this.groupIsActive(groupId)) return false;
    try {
      await this.again(() => commitGroupOffsets(this.kafka, groupId, topic, offsets, this.pin));
      return true;
    } catch (error) {
      if (await this.groupIsActive(groupId).catch(() => false)) return false;
      throw translateKafkaError(error, `initialising offsets of group "${groupId}"`);
    }
  }

  private async groupIsActive(groupId: string): Promise<boolean> {
    try {
      const { groups } = await this.again(() => this.admin.describeGroups([groupId]));
      const state = groups[0]?.state;
      return state !== undefined && state !== 'Empty' && state !== 'Dead';
    } catch (error) {
      throw translateKafkaError(error, `describing group "${groupId}"`);
    }
  }

  /** Deletes a consumer group; a group that is already gone is fine. */
  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (error) {
      this.logger.debug('switchboard kafka: could not delete group', { groupId, error: (error as Error).message });
    }
  }

  async deleteTopic(topic: string): Promise<void> {
    try {
      await this.admin.deleteTopics({ topics: [topic] });
    } catch (error) {
      this.logger.debug('switchboard kafka: could not delete topic', { topic, error: (error as Error).message });
    }
  }
}
