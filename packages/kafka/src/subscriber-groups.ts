import type { ConsumeOptions, ConsumerHandle, DeliverFn, Logger, WireMessage } from '@switchboard/core';
import type { ConsumerStarter } from './consumer-starter.js';
import { GroupProtocolError } from './kafka-errors.js';
import { RetryingConsumer, RetryRoute, retryGroupIdOf, retryTopicOf } from './retry-topic.js';
import { WorstStatus } from './worst-status.js';
import type { TopicAdmin, TopicSpec } from './topic-admin.js';

export interface SubscriberGroupsDeps {
  topics(): TopicAdmin;
  consumers: ConsumerStarter;
  /** Produces records to a topic as they are (the bus's producer). */
  produceTo(topic: string, records: WireMessage[]): Promise<void>;
  /** The spec a topic of `channel` is created with (partitions, durability, replication). */
  topicSpec(channel: string, topic: string, partitions: number): TopicSpec;
  /** Names the protocol a consumer group's running members use (a join refused for it). */
  explainProtocolConflict(error: GroupProtocolError, groupId: string, channel: string, group: string): Promise<GroupProtocolError>;
  logger: Logger;
}

/** One subscription of a channel without priority levels. */
export interface Subscription {
  channel: string;
  group: string;
  topic: string;
  groupId: string;
  /** The group was declared at connect (it reads from the earliest offset, else from the end). */
  declared: boolean;
  options: ConsumeOptions;
  deliver: DeliverFn;
}

/**
 * Subscriptions of plain channels: the subscriber group's consumer of the channel topic and,
 * beside it, its consumer of the group's own retry topic, where `retryLater` puts a failed message
 * so the ones behind it go on (orderedByKey keeps retries in place, in-process, so later messages
 * of the key wait).
 */
export class SubscriberGroups {
  constructor(private readonly deps: SubscriberGroupsDeps) {}

  async consume({ channel, group, topic, groupId, declared, options, deliver }: Subscription): Promise<ConsumerHandle> {
    const { consumers } = this.deps;
    await consumers.prepareGroup(groupId, topic, declared ? 'earliest' : 'latest');
    const retryTopic = options.orderedByKey ? undefined : await this.ensureRetryTopic(channel, topic, groupId);
    const route =
      retryTopic === undefined
        ? undefined
        : new RetryRoute({
            produce: (record) => this.deps.produceTo(retryTopic, [record]),
            deliver,
            retention: await this.deps.topics().retentionOf(retryTopic),
          });
    const statuses = route === undefined ? undefined : new WorstStatus(options.status);
    const plain = consumers.deliveryFactory(topic);
    const label = `subscriber group "${group}" of channel "${channel}"`;
    const started = await Promise.allSettled([
      consumers.start({
        topic,
        groupId,
        label,
        // Every partition that existed got a committed offset from prepareGroup; one without any
        // was added to the topic later, so all of it is new and is read from its start.
        fromBeginning: true,
        commit: true,
        concurrency: options.concurrency,
        deliver,
        toDelivery: route === undefined ? plain : route.channelDeliveries(plain),
        status: statuses?.of(0) ?? options.status,
      }),
      // The group's retry consumer joins beside it (same handler, same concurrency, through core's deliver).
      route === undefined || retryTopic === undefined || statuses === undefined
        ? undefined
        : consumers.start({
            topic: retryTopic,
            groupId: retryGroupIdOf(groupId),
            label: `retries of ${label}`,
            fromBeginning: true,
            commit: true,
            concurrency: options.concurrency,
            deliver: route.hold,
            toDelivery: route.retryDeliveries(consumers.deliveryFactory(retryTopic)),
            onAssign: route.assigned,
            status: statuses.of(1),
          }),
    ]);
    const [main, retries] = started;
    if (main.status === 'fulfilled' && retries.status === 'fulfilled') {
      return route === undefined || retries.value === undefined ? main.value : new RetryingConsumer(main.value, retries.value, route);
    }
    await Promise.allSettled(started.map((s) => (s.status === 'fulfilled' ? s.value?.close() : undefined)));
    const error: unknown = main.status === 'rejected' ? main.reason : (retries as PromiseRejectedResult).reason;
    if (error instanceof GroupProtocolError) throw await this.deps.explainProtocolConflict(error, main.status === 'rejected' ? groupId : retryGroupIdOf(groupId), channel, group);
    throw error;
  }

  /**
   * Creates the group's retry topic (partitions as the channel topic, replicated like it) and
   * pins its consumer group to the start. Undefined when the topic cannot be created (no rights
   * on a managed cluster): retries then run in-process, as before, and a warning says so.
   */
  private async ensureRetryTopic(channel: string, topic: string, groupId: string): Promise<string | undefined> {
    const topics = this.deps.topics();
    const retryTopic = retryTopicOf(topic, groupId);
    try {
      await topics.ensureTopic(this.deps.topicSpec(channel, retryTopic, await topics.partitionCount(topic)));
      await this.deps.consumers.prepareGroup(retryGroupIdOf(groupId), retryTopic, 'earliest');
      return retryTopic;
    } catch (error) {
      this.deps.logger.warn(
        `switchboard kafka: could not create retry topic "${retryTopic}" of consumer group "${groupId}"; its failed messages are retried in-process ` +
          '(holding a handler slot and their partition\'s commit during the backoff). Create the topic or grant CREATE on it',
        { channel, error: (error as Error).message },
      );
      return undefined;
    }
  }
}
