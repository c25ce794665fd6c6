import { ConfigError, parseConfig, type ChannelTopologyReport } from '@switchboard/core';
import { z } from 'zod';
import { COMPRESSION_NAMES, type CompressionName } from './compression-registry.js';

/** Kafka's own topic-name rule (the broker refuses anything else). */
export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** Sections of a channel's `options` that belong to other backends; the Kafka backend leaves them alone. */
const OTHER_BACKENDS = new Set(['rabbitmq', 'memory']);
/** Keys core itself merges into the channel options (`partitions`, `maxPriority` of the declaration). */
const CORE_KEYS = new Set(['partitions', 'maxPriority']);

/**
 * Kafka options of one channel, declared as `channels: { orders: { options: { kafka: {...} } } }`.
 * Everything defaults to what Switchboard names and creates itself.
 */
export const KafkaChannelOptionsSchema = z.strictObject({
  /** Topic the channel reads and writes (an existing one, or created like a default one); default: the channel name. */
  topic: z
    .string()
    .regex(TOPIC_NAME, 'use 1-249 characters from A-Z a-z 0-9 . _ -')
    .refine((t) => t !== '.' && t !== '..', 'is not a valid Kafka topic name')
    .optional(),
  /**
   * Consumer group id per subscriber group, used exactly as given (no `groupIdPrefix`), e.g.
   * `{ billing: 'billing-service' }`: the subscriber group joins that existing group and continues
   * from its committed offsets, so a service can be migrated member by member.
   */
  groupIds: z.record(z.string().min(1), z.string().min(1).max(255)).default({}),
  /** Compression of what this channel publishes; default: the bus's `compression` option. */
  compression: z.enum(COMPRESSION_NAMES).optional(),
});

/** What `channels.x.options.kafka` accepts. */
export type KafkaChannelOptions = z.input<typeof KafkaChannelOptionsSchema>;
type ResolvedKafkaChannelOptions = z.output<typeof KafkaChannelOptionsSchema>;

/** Parses the Kafka section of a channel's options; a Kafka key outside `kafka` is refused with a hint. */
export function parseChannelOptions(channel: string, options: Record<string, unknown>): ResolvedKafkaChannelOptions {
  const stray = Object.keys(options).filter((key) => key !== 'kafka' && !CORE_KEYS.has(key) && !OTHER_BACKENDS.has(key));
  if (stray.length > 0) {
    throw new ConfigError(
      `Invalid options of channel "${channel}": unknown key${stray.length > 1 ? 's' : ''} ${stray.join(', ')}. ` +
        `Kafka channel options go under options.kafka (topic, groupIds, compression); sections for other backends: ${[...OTHER_BACKENDS].join(', ')}.`,
    );
  }
  return parseConfig(KafkaChannelOptionsSchema, options['kafka'] ?? {}, `options.kafka of channel "${channel}"`);
}

/** What the topic turned out to be when the channel was ensured. */
export interface TopicFacts {
  partitions: number;
  created: boolean;
  compacted: boolean;
}

interface ChannelEntry {
  topic: string;
  groupIds: Record<string, string>;
  compression: CompressionName | undefined;
  facts?: TopicFacts;
  warnings: string[];
  /** Subscriber groups seen (declared or subscribed), for the report. */
  groups: Set<string>;
}

/**
 * The backend's view of every channel: which topic and consumer group ids it maps to, what the
 * topic looked like, and what differed from the declaration. Channels never ensured use defaults.
 */
export class ChannelMap {
  private readonly entries = new Map<string, ChannelEntry>();

  constructor(
    private readonly groupIdPrefix: string,
    private readonly defaultCompression: CompressionName,
  ) {}

  /** Records a channel's mapping (parsed from its declaration); returns its topic. */
  declare(channel: string, options: ResolvedKafkaChannelOptions): string {
    const topic = options.topic ?? channel;
    // Compression is chosen per produce request and so per topic: two choices for one topic clash.
    for (const [other, entry] of this.entries) {
      if (other !== channel && entry.topic === topic && entry.compression !== undefined && options.compression !== undefined && entry.compression !== options.compression) {
        throw new ConfigError(
          `Channels "${other}" and "${channel}" both map to topic "${topic}" but choose different compression (${entry.compression}, ${options.compression}); choose one for the topic`,
        );
      }
    }
    const previous = this.entries.get(channel);
    this.entries.set(channel, {
      topic,
      groupIds: options.groupIds,
      compression: options.compression,
      warnings: [],
      groups: previous?.groups ?? new Set(),
    });
    return topic;
  }

  topicOf(channel: string): string {
    return this.entries.get(channel)?.topic ?? channel;
  }

  /** Compression of batches produced to `topic`: the choice of a channel mapped onto it, else the bus default. */
  compressionOf(topic: string): CompressionName {
    for (const entry of this.entries.values()) if (entry.topic === topic && entry.compression !== undefined) return entry.compression;
    return this.defaultCompression;
  }

  /** Consumer group id of a subscriber group: the mapped one, else `<groupIdPrefix><channel>:<group>`. */
  groupIdOf(channel: string, group: string): string {
    return this.entries.get(channel)?.groupIds[group] ?? `${this.groupIdPrefix}${channel}:${group}`;
  }

  /** Notes a subscriber group of the channel for the report. */
  noteGroup(channel: string, group: string): void {
    this.entries.get(channel)?.groups.add(group);
  }

  /** Stores what the topic was found to be, and a warning for each difference from the declaration. */
  setFacts(channel: string, facts: TopicFacts, warnings: string[]): void {
    const entry = this.entries.get(channel);
    if (entry === undefined) return;
    entry.facts = facts;
    entry.warnings = warnings;
  }

  isCompacted(channel: string): boolean {
    return this.entries.get(channel)?.facts?.compacted === true;
  }

  /** The channel's topology for `bus.report()`, once it was ensured. */
  topology(channel: string): ChannelTopologyReport | undefined {
    const entry = this.entries.get(channel);
    if (entry === undefined) return undefined;
    const names: Record<string, string> = { topic: entry.topic };
    const groups = new Set([...Object.keys(entry.groupIds), ...entry.groups]);
    for (const group of [...groups].sort()) names[`group ${group}`] = this.groupIdOf(channel, group);
    const settings: ChannelTopologyReport['settings'] = { compression: entry.compression ?? this.defaultCompression };
    if (entry.facts !== undefined) {
      settings['partitions'] = entry.facts.partitions;
      settings['created'] = entry.facts.created;
      settings['cleanupPolicy'] = entry.facts.compacted ? 'compact' : 'delete';
    }
    return { names, settings, warnings: [...entry.warnings] };
  }
}
