import { ConfigError, type Logger, type WireMessage } from '@switchboard/core';
import type { ConsumerStarter } from './consumer-starter.js';
import { DelayForwarder, delayTopicOf, toDelayRecord } from './delay-forwarder.js';
import type { TopicAdmin, TopicRetention, TopicSpec } from './topic-admin.js';

/** What the delay topics of a bus need from it. */
export interface DelayChannelsDeps {
  consumers: ConsumerStarter;
  topics: () => TopicAdmin;
  /** Produces records to a topic as they are (the bus's producer). */
  produceTo(topic: string, records: WireMessage[]): Promise<void>;
  /** Produces a due message to its channel (into its priority level where there are levels). */
  forward(channel: string, topic: string, message: WireMessage): Promise<void>;
  /** The consumer group id of a channel's internal group, e.g. `@delay`. */
  groupId(channel: string, group: string): string;
  /** The spec a topic of `channel` is created with (partitions, durability, replication). */
  topicSpec(channel: string, topic: string, partitions: number): TopicSpec;
  logger: Logger;
}

/**
 * The delay topics of the channels that declared delayedDelivery: a delayed publish goes to the
 * channel's `<topic>.delay` with its due time, and this bus's member of the channel's forwarder
 * group produces each record to the channel when due.
 */
export class DelayChannels {
  private readonly forwarders = new Map<string, Promise<DelayForwarder>>();
  /** Per channel whose delay topic deletes records: that topic's `retention.ms`. */
  private readonly retention = new Map<string, TopicRetention>();

  constructor(private readonly deps: DelayChannelsDeps) {}

  /** Creates the channel's delay topic and starts this bus's forwarder member (once per channel). */
  start(channel: string, topic: string, partitions: number): Promise<void> {
    let started = this.forwarders.get(channel);
    if (started === undefined) {
      started = this.startForwarder(channel, topic, partitions);
      started.catch(() => this.forwarders.delete(channel));
      this.forwarders.set(channel, started);
    }
    return started.then(() => undefined);
  }

  /**
   * Refuses (before it is batched, so only that publish fails) a delay that is not below the
   * retention.ms of the channel's delay topic: the broker could delete the record before it is due.
   */
  check(channel: string, delayMs: number): void {
    const retention = this.retention.get(channel);
    if (retention === undefined || delayMs < retention.ms) return;
    throw new ConfigError(
      `delayMs ${delayMs} on channel "${channel}" is not below the retention.ms of its delay topic "${retention.topic}" (${retention.ms} ms), ` +
        "which could delete the message before it is due; publish with a shorter delay or raise the topic's retention.ms",
    );
  }

  /** The records to write for delayed `messages` (with their due times); refuses a channel without a delay topic. */
  records(channel: string, messages: WireMessage[]): WireMessage[] {
    if (!this.forwarders.has(channel)) {
      throw new ConfigError(`delayMs on channel "${channel}": declare requires: { delayedDelivery: true } so its delay topic and forwarder exist`);
    }
    const now = Date.now();
    return messages.map((m) => toDelayRecord(m, now));
  }

  /** Writes delay records (see {@link records}) to the channel's delay topic. */
  publish(topic: string, records: WireMessage[]): Promise<void> {
    return this.deps.produceTo(delayTopicOf(topic), records);
  }

  /** Stops every forwarder: what they hold is dropped uncommitted (the next forwarder reads it again). */
  async close(): Promise<void> {
    for (const started of this.forwarders.values()) await started.then((forwarder) => forwarder.close(), () => {});
  }

  private async startForwarder(channel: string, topic: string, partitions: number): Promise<DelayForwarder> {
    const { consumers, logger } = this.deps;
    const delayTopic = delayTopicOf(topic);
    // Replicated like the channel: a durable channel's delayed messages are as safe as the others.
    await this.deps.topics().ensureTopic(this.deps.topicSpec(channel, delayTopic, partitions));
    const retention = await this.deps.topics().retentionOf(delayTopic);
    if (retention !== undefined) this.retention.set(channel, retention);
    const label = `delay forwarder of channel "${channel}"`;
    const forwarder = new DelayForwarder({ forward: (message) => this.deps.forward(channel, topic, message), logger, label });
    const groupId = this.deps.groupId(channel, '@delay');
    await consumers.prepareGroup(groupId, delayTopic, 'earliest');
    await consumers.start({
      topic: delayTopic,
      groupId,
      label,
      fromBeginning: true,
      commit: true,
      concurrency: 64,
      deliver: forwarder.deliver,
      toDelivery: forwarder.deliveries(consumers.deliveryFactory(delayTopic)),
      onAssign: forwarder.assigned,
    });
    return forwarder;
  }
}
