import { randomUUID } from 'node:crypto';
import {
  isDeclared,
  ClosedError,
  ConnectionError,
  parseConfig,
  silentLogger,
  type Backend,
  type BackendContext,
  type CapabilityCatalog,
  type CapabilityName,
  type CapabilityReport,
  type CapabilitySupport,
  type Requirements,
  type ChannelSetup,
  type ChannelTopologyReport,
  type BackendEvents,
  type ConnectionStatus,
  type ConsumeOptions,
  type ConsumerHandle,
  type Delivery,
  type DeliverFn,
  type Logger,
  type ReplayFrom,
  type RequestOptions,
  type WireMessage,
} from '@switchboard/core';
import type { Admin, Kafka as KafkaClient } from 'kafkajs';
import { createKafkaClient, pinOptionsOf } from './kafka-client.js';
import { probeBrokers } from './broker-probe.js';
import { ChannelMap, parseChannelOptions } from './channel-mapping.js';
import { DelayChannels } from './delay-channels.js';
import { installCompressionCodecs } from './compression-registry.js';
import { KafkaClientMonitor } from './client-monitor.js';
import { kafkaMessageAttributes } from './message-attributes.js';
import { ConsumerStarter } from './consumer-starter.js';
import { kafkaCatalog } from './catalog.js';
import { GroupProtocolError, KeyRequiredError, protocolConflict, translateKafkaError } from './kafka-errors.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { PriorityChannels } from './priority-channels.js';
import { parseKafkaUrl } from './kafka-url.js';
import { KafkaOptionsSchema, type KafkaOptions, type ResolvedKafkaOptions } from './options.js';
import { replayStart } from './replay-start.js';
import { KafkaRequester, RequestConsumers } from './request-reply.js';
import { SubscriberGroups } from './subscriber-groups.js';
import { TopicAdmin, type TopicSpec } from './topic-admin.js';
import { checkReservedTopicNames } from './reserved-topics.js';

const HEADER_PREFIX = 'ce_';

interface Connected {
  admin: Admin;
  topics: TopicAdmin;
  publisher: KafkaPublisher;
  requester: KafkaRequester;
}

/**
 * Switchboard's Kafka backend over kafkajs: one admin client and one producer per bus, one
 * consumer per subscription (its own consumer group per subscriber group).
 */
export class KafkaBackend implements Backend {
  readonly name = 'kafka';
  readonly binding = {
    /** `ce_`: the CloudEvents Kafka protocol binding. */
    headerPrefix: HEADER_PREFIX,
  };
  readonly capabilities: CapabilityReport;
  private readonly catalog: CapabilityCatalog;
  readonly maxMessageBytes: number;
  private readonly options: ResolvedKafkaOptions;
  private readonly logger: Logger;
  private readonly kafka: KafkaClient;
  private readonly brokers: string[];
  private connected: Connected | undefined;
  private readonly declaredGroups = new Map<string, Set<string>>();
  /** Channels that declared durable: their topics (and `.dead` topics) are created replicated. */
  private readonly durableChannels = new Set<string>();
  /** The delay topics and this bus's forwarders of the channels declared with delayedDelivery. */
  private readonly delays: DelayChannels;
  private readonly channels: ChannelMap;
  /** Channels that declared priority: their messages go to bucket topics, read by one consumer per level. */
  private readonly priority: PriorityChannels;
  private readonly subscriptions: SubscriberGroups;
  private readonly requestConsumers: RequestConsumers;
  private closing: Promise<void> | undefined;
  private readonly monitor: KafkaClientMonitor;
  private readonly consumers: ConsumerStarter;

  /** Per-channel adjustments of {@link capabilities} (conflicts between declared capabilities). */
  channelCapabilities(channel: string, requires: Requirements, options?: Record<string, unknown>): Partial<Record<CapabilityName, CapabilitySupport>> {
    return this.catalog.channelCapabilities?.(channel, requires, options) ?? {};
  }

  constructor(context: BackendContext) {
    this.options = parseConfig(KafkaOptionsSchema, context.options, 'Kafka backend options');
    this.logger = context.logger;
    const endpoint = parseKafkaUrl(context.url);
    this.brokers = endpoint.brokers;
    this.catalog = kafkaCatalog(this.options);
    this.capabilities = this.catalog.capabilities;
    this.maxMessageBytes = this.options.maxMessageBytes;
    this.channels = new ChannelMap(this.options.groupIdPrefix, this.options.compression);
    // kafkajs keeps codecs in one process-wide registry; see installCompressionCodecs.
    installCompressionCodecs();
    this.monitor = new KafkaClientMonitor(endpoint.brokers.join(','));
    this.kafka = createKafkaClient(endpoint, this.options, this.logger);
    this.monitor.watchProducers(this.kafka);
    this.consumers = new ConsumerStarter(this.kafka, this.monitor, this.options, this.logger, () => this.ready.topics);
    const deps = {
      consumers: this.consumers,
      topics: () => this.ready.topics,
      produceTo: (topic: string, records: WireMessage[]) => this.ready.publisher.publish(topic, records),
      topicSpec: (channel: string, topic: string, partitions: number) => this.topicSpec(channel, topic, partitions),
      explainProtocolConflict: (error: GroupProtocolError, groupId: string, channel: string, group: string) => this.explainProtocolConflict(error, groupId, channel, group),
      logger: this.logger,
    };
    this.delays = new DelayChannels({
      ...deps,
      forward: (channel, topic, message) => this.produce(channel, topic, [message]),
      groupId: (channel, group) => this.groupId(channel, group),
    });
    this.priority = new PriorityChannels({
      ...deps,
      groupIdOf: (channel, group) => this.channels.groupIdOf(channel, group),
      settleTimeoutMs: Math.max(2_000, this.options.maxWaitTimeMs * 5),
    });
    this.subscriptions = new SubscriberGroups(deps);
    this.requestConsumers = new RequestConsumers({ ...deps, groupId: (channel, group) => this.groupId(channel, group) });
  }

  /**
   * How a topic of `channel` is created: a durable channel's topics (and its dead letters') are
   * replicated (topic-admin decides how far on a small cluster).
   */
  private topicSpec(channel: string, topic: string, partitions: number): TopicSpec {
    return {
      topic,
      partitions,
      durable: this.durableChannels.has(channel) || this.durableChannels.has(channel.replace(/\.dead$/, '')),
      ...(this.options.replicationFactor !== undefined && { replicationFactor: this.options.replicationFactor }),
      ...(this.options.minInsyncReplicas !== undefined && { minInsyncReplicas: this.options.minInsyncReplicas }),
    };
  }

  observe(events: BackendEvents): void {
    this.monitor.observe(events);
  }

  health(): ConnectionStatus[] {
    return this.monitor.health();
  }

  messageAttributes(delivery: Delivery): Record<string, string | number> | undefined {
    return kafkaMessageAttributes(delivery);
  }

  async connect(): Promise<void> {
    if (this.connected !== undefined) return;
    const admin = this.kafka.admin();
    const topics = new TopicAdmin(this.kafka, admin, pinOptionsOf(this.options), this.options.retry, this.logger, this.options.metadataMaxAgeMs);
    const publisher = new KafkaPublisher(this.kafka, this.options, topics, this.logger, (topic) => this.channels.compressionOf(topic));
    const budget = this.options.connectTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    // The probe owns the budget; this bound only catches a broker that accepts TCP but never
    // completes the Kafka handshake (wrong port, TLS or SASL mismatch).
    const outer = budget + this.options.connectAttemptTimeoutMs;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ConnectionError(`Kafka: ${this.brokers.join(', ')} accepted TCP connections but the Kafka handshake did not complete within ${outer} ms; check the port, TLS and SASL settings`)),
        outer,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await probeBrokers(this.brokers, budget, this.options.connectAttemptTimeoutMs);
          await admin.connect();
          await publisher.connect();
        })(),
        timeout,
      ]);
    } catch (error) {
      // Not awaited: against a listener that never answers, disconnecting waits for kafkajs'
      // requestTimeout (30 s), and connect() must fail when its own budget says.
      void Promise.allSettled([publisher.close(), admin.disconnect()]);
      throw translateKafkaError(error, `connecting to ${this.brokers.join(', ')}`);
    } finally {
      clearTimeout(timer);
    }
    const requester = new KafkaRequester({
      admin: topics,
      publisher,
      listen: (topic, deliver) => this.requestConsumers.listen(topic, deliver),
    });
    this.connected = { admin, topics, publisher, requester };
  }

  private get ready(): Connected {
    if (this.closing !== undefined) throw new ClosedError('The Kafka backend is closed');
    if (this.connected === undefined) throw new ConnectionError('The Kafka backend is not connected: call connect() first');
    return this.connected;
  }

  async ensureChannel(setup: ChannelSetup): Promise<void> {
    const { topics } = this.ready;
    const channelOptions = parseChannelOptions(setup.name, setup.options);
    checkReservedTopicNames(setup.name, channelOptions.topic);
    const topic = this.channels.declare(setup.name, channelOptions);
    const declared = setup.options['partitions'];
    const explicit = typeof declared === 'number' && Number.isInteger(declared) && declared > 0 ? declared : undefined;
    const partitions = explicit ?? this.options.partitions;
    if (isDeclared(setup.requires, 'durable')) this.durableChannels.add(setup.name);
    const facts = await topics.ensureTopic(this.topicSpec(setup.name, topic, partitions));
    const warnings: string[] = [];
    if (!facts.created && explicit !== undefined && facts.partitions !== explicit) {
      // Kafka can only add partitions (which moves keys), never remove them: reported, not changed.
      warnings.push(
        `channel "${setup.name}" declares ${explicit} partitions but topic "${topic}" already has ${facts.partitions}; ` +
          `the topic is used as it is (add partitions with kafka-topics --alter, or declare ${facts.partitions})`,
      );
    }
    this.channels.setFacts(setup.name, facts, warnings);
    for (const warning of warnings) this.logger.warn(`switchboard kafka: ${warning}`, { channel: setup.name, topic });
    // Only where priority is in effect ('preferred' next to orderedByKey runs without it, on one topic).
    if (isDeclared(setup.requires, 'priority') && this.channelCapabilities(setup.name, setup.requires, setup.options).priority?.support !== 'unsupported') {
      await this.priority.declare(setup.name, topic, facts.partitions, setup.options);
    }
    if (isDeclared(setup.requires, 'delayedDelivery')) await this.delays.start(setup.name, topic, facts.partitions);
    if (setup.groups.length === 0) return;
    let groups = this.declaredGroups.get(setup.name);
    if (groups === undefined) this.declaredGroups.set(setup.name, (groups = new Set()));
    for (const group of setup.groups) {
      groups.add(group);
      this.channels.noteGroup(setup.name, group);
    }
    // Declared groups exist from now on: pin them to the earliest retained offset so whoever
    // subscribes first (this process or another) reads what was published in the meantime.
    await Promise.all(
      setup.groups.flatMap((group) =>
        this.priority.levelsOf(setup.name, topic, group).map((level) => this.consumers.prepareGroup(level.groupId, level.topic, 'earliest')),
      ),
    );
  }

  /** Produces to the channel's topic, or on a priority channel to each message's bucket topic. */
  private produce(channel: string, topic: string, messages: WireMessage[]): Promise<void> {
    const { publisher } = this.ready;
    const routed = this.priority.route(channel, topic, messages);
    const [only] = routed;
    if (routed.length === 1 && only !== undefined) return publisher.publish(only[0], only[1]);
    return Promise.all(routed.map(([target, batch]) => publisher.publish(target, batch))).then(() => undefined);
  }

  /**
   * Delayed messages go to the channel's delay topic with their due time; the channel's forwarder
   * moves each to the channel when due. The rest of the batch goes to the channel as usual.
   */
  private async publishDelayed(channel: string, topic: string, messages: WireMessage[]): Promise<void> {
    const delayed = this.delays.records(channel, messages.filter((m) => m.delayMs !== undefined && m.delayMs > 0));
    const direct = messages.filter((m) => m.delayMs === undefined || m.delayMs <= 0);
    // A delayed record keeps its priority in a header, so its forwarder puts it into its bucket.
    const records = this.priority.route(channel, topic, delayed).flatMap(([, batch]) => batch);
    await Promise.all([this.delays.publish(topic, records), direct.length === 0 ? undefined : this.publish(channel, direct)]);
  }

  topologyReport(channel: string): ChannelTopologyReport | undefined {
    const report = this.channels.topology(channel);
    return report === undefined ? undefined : this.priority.decorate(channel, report);
  }

  /** Per message, before it is batched: a delay its delay topic would not keep long enough is refused. */
  checkMessage(channel: string, message: WireMessage): void {
    if (message.delayMs !== undefined && message.delayMs > 0) this.delays.check(channel, message.delayMs);
  }

  publish(channel: string, messages: WireMessage[]): Promise<void> {
    void this.ready; // ClosedError / ConnectionError before anything else
    const topic = this.channels.topicOf(channel);
    if (messages.some((m) => m.delayMs !== undefined && m.delayMs > 0)) return this.publishDelayed(channel, topic, messages);
    if (this.channels.isCompacted(channel) && messages.some((m) => m.key === undefined)) {
      return Promise.reject(KeyRequiredError.onCompacted(channel, topic));
    }
    return this.produce(channel, topic, messages);
  }

  consume(channel: string, group: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const declared = this.declaredGroups.get(channel)?.has(group) === true;
    const topic = this.channels.topicOf(channel);
    this.channels.noteGroup(channel, group);
    if (this.priority.has(channel)) return this.priority.consume(channel, group, topic, declared, options, deliver);
    return this.subscriptions.consume({ channel, group, topic, groupId: this.channels.groupIdOf(channel, group), declared, options, deliver });
  }

  /** Names the protocol the group's running members use, read from the broker. */
  private async explainProtocolConflict(error: GroupProtocolError, groupId: string, channel: string, group: string): Promise<GroupProtocolError> {
    const running = await this.ready.topics.describeGroup(groupId).catch(() => undefined);
    return protocolConflict(error, { groupId, channel, group, running, assignors: this.options.assignors });
  }

  async replay(channel: string, from: ReplayFrom, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const { topics } = this.ready;
    const topic = this.channels.topicOf(channel);
    const start = await replayStart(topic, from, topics);
    const groupId = this.groupId(channel, `@replay-${randomUUID()}`);
    const consumer = await this.consumers.start({
      topic,
      groupId,
      label: `replay of channel "${channel}"`,
      fromBeginning: start.fromBeginning,
      seekTo: start.seekTo,
      commit: false,
      concurrency: options.concurrency,
      deliver,
      toDelivery: this.consumers.deliveryFactory(topic),
      status: options.status,
    });
    consumer.afterClose(() => topics.deleteGroup(groupId));
    return consumer;
  }

  respond(channel: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    return this.requestConsumers.respond(channel, this.channels.topicOf(channel), options, deliver);
  }

  request(channel: string, message: WireMessage, options: RequestOptions): Promise<Delivery> {
    return this.ready.requester.request(this.channels.topicOf(channel), message, options.timeoutMs);
  }

  private groupId(channel: string, group: string): string {
    return `${this.options.groupIdPrefix}${channel}:${group}`;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const connected = this.connected;
      if (connected === undefined) return;
      const closed = new ClosedError('The Kafka backend closed while waiting for a reply');
      // Forwarders first: what they hold is dropped uncommitted (the next forwarder reads it again).
      await this.delays.close();
      await this.consumers.closeAll();
      await connected.requester.close(closed);
      await connected.publisher.close();
      await connected.admin.disconnect().catch(() => {});
      this.monitor.closeAll();
    })();
    return this.closing;
  }
}

/** Creates the backend for `connect()`; exported for applications that build backends themselves. */
export function createKafkaBackend(context: { url: string; options?: KafkaOptions; logger?: Logger }): Backend {
  return new KafkaBackend({ url: context.url, options: context.options ?? {}, logger: context.logger ?? silentLogger });
}
