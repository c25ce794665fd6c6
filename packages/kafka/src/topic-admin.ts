import { ConfigError, type Logger } from '@switchboard/core';
import type { Admin, Kafka } from 'kafkajs';
import { TOPIC_NAME, type TopicFacts } from './channel-mapping.js';
import { DURABLE_MIN_INSYNC_REPLICAS, DURABLE_REPLICATION_FACTOR } from './topic-defaults.js';
import { commitGroupOffsets, type PinOptions } from './group-pin.js';
import { ConfigResourceTypes } from './kafkajs-runtime.js';
import { protocolErrorType, translateKafkaError } from './kafka-errors.js';
import { isFreshTopicRace, retryTransient, type TransientRetryPolicy } from './transient-retry.js';

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

export { DURABLE_MIN_INSYNC_REPLICAS, DURABLE_REPLICATION_FACTOR } from './topic-defaults.js';

/** Per-partition offsets of a topic, as strings (kafkajs keeps 64-bit offsets as text). */
export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

/** A topic that deletes records after `ms` (its `retention.ms`). */
export interface TopicRetention {
  topic: string;
  ms: number;
}

/**
 * Topic and group bookkeeping over one kafkajs admin client: idempotent topic creation, the
 * per-topic facts publishing needs (partition count, size limit), group offset inspection and
 * the offset pinning that makes a new group start exactly at the log end.
 */
export class TopicAdmin {
  private readonly partitionCounts = new Map<string, { count: Promise<number>; readAt: number }>();
  /** The settled values of `partitionCounts`, so callers can skip an await. */
  private readonly knownCounts = new Map<string, number>();
  private readonly sizeLimits = new Map<string, Promise<number | undefined>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly pin: PinOptions,
    private readonly retry: TransientRetryPolicy,
    private readonly logger: Logger,
    /** How long a partition count is trusted before it is read again (partitions can be added). */
    private readonly metadataMaxAgeMs: number = 30_000,
  ) {}

  private again<T>(operation: () => Promise<T>): Promise<T> {
    return retryTransient(operation, this.retry);
  }

  /**
   * Creates the topic unless it exists, and says what it is. An existing topic is found by listing
   * topics first, not by a refused creation: kafkajs logs every refused request at error level.
   */
  async ensureTopic(spec: TopicSpec): Promise<TopicFacts> {
    if (!TOPIC_NAME.test(spec.topic) || spec.topic === '.' || spec.topic === '..') {
      throw new ConfigError(`"${spec.topic}" is not a valid Kafka topic name: use 1-249 characters from A-Z a-z 0-9 . _ -`);
    }
    let created = false;
    const existing = await this.again(() => this.admin.listTopics()).catch((error: unknown) => {
      throw translateKafkaError(error, `listing topics`);
    });
    if (!existing.includes(spec.topic)) {
      try {
        const { replicationFactor, minInsyncReplicas } = await this.replication(spec);
        created = await this.admin.createTopics({
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
        if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE') {
          await this.awaitLeaders(spec.topic);
          created = true;
        }
        // A concurrent creator can win between the listing and ours; the topic exists, which is all we need.
        else if (type !== 'TOPIC_ALREADY_EXISTS') throw translateKafkaError(error, `creating topic "${spec.topic}"`);
      }
    }
    this.partitionCounts.delete(spec.topic);
    this.knownCounts.delete(spec.topic);
    const [partitions, compacted] = await Promise.all([this.partitionCount(spec.topic), this.isCompacted(spec.topic)]);
    return { partitions, created, compacted };
  }

  /** True when the topic's `cleanup.policy` includes `compact` (every record needs a key). */
  private async isCompacted(topic: string): Promise<boolean> {
    try {
      const policy = (await this.again(() => this.topicConfig(topic, 'cleanup.policy'))) ?? '';
      return policy.split(',').some((p) => p.trim() === 'compact');
    } catch (error) {
      // Describing configs may be denied (ACLs); the broker still refuses unkeyed records itself.
      this.logger.debug('switchboard kafka: could not read cleanup.policy', { topic, error: (error as Error).message });
      return false;
    }
  }

  /** How long the topic keeps a record (`retention.ms`); undefined when forever (-1) or the broker does not say. */
  async retentionOf(topic: string): Promise<TopicRetention | undefined> {
    const raw = await this.again(() => this.topicConfig(topic, 'retention.ms')).catch(() => undefined);
    const ms = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
    return Number.isFinite(ms) && ms >= 0 ? { topic, ms } : undefined;
  }

  /** One config value of a topic, as the broker reports it (its default where the topic sets none). */
  private async topicConfig(topic: string, name: string): Promise<string | undefined> {
    const result = await this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }] });
    return result.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue;
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

  /**
   * Number of partitions of an existing topic. Cached, and read again once older than
   * `metadataMaxAgeMs`, since partitions can be added while the bus runs.
   */
  partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined && Date.now() - cached.readAt < this.metadataMaxAgeMs) return cached.count;
    const entry: { count: Promise<number>; readAt: number } = { count: Promise.resolve(0), readAt: Date.now() };
    const read = this.again(() => this.admin.fetchTopicMetadata({ topics: [topic] }))
      .then(({ topics }) => {
        const partitions = topics[0]?.partitions.length ?? 0;
        if (this.partitionCounts.get(topic) === entry) this.knownCounts.set(topic, partitions);
        return partitions;
      })
      .catch((error: unknown) => {
        throw translateKafkaError(error, `reading metadata of topic "${topic}"`);
      });
    // A failed re-read keeps the previous count (tried again after another metadataMaxAgeMs); a
    // failed first read is forgotten so the next call tries again at once.
    entry.count = cached === undefined ? read : read.catch(() => cached.count);
    read.catch(() => {
      if (cached === undefined && this.partitionCounts.get(topic) === entry) this.partitionCounts.delete(topic);
    });
    this.partitionCounts.set(topic, entry);
    return entry.count;
  }

  /** The cached partition count when one was already read, without waiting. */
  knownPartitionCount(topic: string): number | undefined {
    return this.knownCounts.get(topic);
  }

  /** The topic's effective `max.message.bytes`, or undefined when the broker does not say. */
  maxMessageBytes(topic: string): Promise<number | undefined> {
    let limit = this.sizeLimits.get(topic);
    if (limit === undefined) {
      limit = this.topicConfig(topic, 'max.message.bytes')
        .then((value) => {
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
      const offsets = await retryTransient(() => this.admin.fetchTopicOffsets(topic), this.retry, isFreshTopicRace);
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
   * Partitions (among `partitions`) where the group's committed offset is behind the log end, or
   * where it has none and the partition is not empty: the ones holding messages it has not read.
   */
  async unreadPartitions(groupId: string, topic: string, partitions: number[]): Promise<number[]> {
    try {
      const [committed, ends] = await Promise.all([
        this.again(() => this.admin.fetchOffsets({ groupId, topics: [topic] })),
        this.topicOffsets(topic),
      ]);
      const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      return partitions.filter((partition) => {
        const end = ends.find((o) => o.partition === partition);
        if (end === undefined) return false;
        const offset = at.get(partition) ?? -1;
        return (offset >= 0 ? offset : Number(end.low)) < Number(end.high);
      });
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

  /** The group's state, selected protocol (assignor) and member count, as the coordinator reports them. */
  async describeGroup(groupId: string): Promise<{ state: string; protocol: string; members: number } | undefined> {
    const { groups } = await this.again(() => this.admin.describeGroups([groupId]));
    const group = groups[0];
    return group === undefined ? undefined : { state: group.state, protocol: group.protocol, members: group.members.length };
  }

  /** Deletes a consumer group; a group that is already gone is fine. */
  async deleteGroup(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (error) {
      this.logger.debug('switchboard kafka: could not delete group', { groupId, error: (error as Error).message });
    }
  }
}
