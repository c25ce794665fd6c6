import { MAX_TIMER_MS, isDeclared, type CapabilityName, type CapabilityReport, type CapabilitySupport, type Requirements } from '@switchboard/core';
import { DELAY_TOPIC_SUFFIX, MAX_HELD } from './delay-forwarder.js';
import type { ResolvedKafkaOptions } from './options.js';
import { bucketBufferSize, bucketRange, PRIORITY_LEVELS, PRIORITY_TOPIC_INFIX, priorityLevels, STARVATION_LIMIT } from './priority-buckets.js';
import { MAX_HELD_RETRIES, RETRY_TOPIC_SUFFIX } from './retry-topic.js';
import { DEFAULT_PARTITIONS, DURABLE_MIN_INSYNC_REPLICAS, DURABLE_REPLICATION_FACTOR } from './topic-defaults.js';

/** The bus options the report depends on. */
export type KafkaReportOptions = Pick<ResolvedKafkaOptions, 'partitions' | 'idempotent' | 'replicationFactor' | 'minInsyncReplicas'>;

/** The report of a bus with default options. */
export const DEFAULT_REPORT_OPTIONS: KafkaReportOptions = { partitions: DEFAULT_PARTITIONS, idempotent: true };

/** What this backend does with each capability, with the numbers that bound it. */
export function kafkaCapabilities(options: KafkaReportOptions): CapabilityReport {
  return {
    fanout: {
      support: 'native',
      detail: 'Each subscriber group is its own Kafka consumer group, so every group reads every message.',
    },
    workQueue: {
      support: 'native',
      detail:
        'Consumers of one group share the topic partitions: at most one consumer per partition works, extra consumers ' +
        'stay idle (logged as a warning). Declare more `partitions` on the channel for more parallel consumers.',
      limits: { parallelism: 'partitions', defaultPartitions: options.partitions },
    },
    orderedByKey: {
      support: 'native',
      detail:
        'Messages with the same key go to the same partition (murmur2, Java-client compatible); inside a partition ' +
        'different keys run in parallel up to `concurrency` while each key stays in order. Offsets are committed only ' +
        'up to the first unfinished message.',
    },
    priority: {
      support: 'emulated',
      detail:
        `A Kafka partition is read in order, so priority uses bucket topics: up to ${PRIORITY_LEVELS} levels per channel, priorities ` +
        '0..maxPriority cut into equal slices (maxPriority 10: 0-3, 4-7, 8-10), FIFO per partition within a level. The lowest level is the ' +
        `channel topic itself (records of producers that set no priority land there); level n is \`<topic>${PRIORITY_TOPIC_INFIX}n\`, created like the ` +
        'channel topic. Each subscription reads every level with its own consumer (consumer group `<group id>` on the lowest level, ' +
        `\`<group id>${PRIORITY_TOPIC_INFIX}n\` above, each committing per partition up to its first unfinished message) and hands its handlers the highest waiting level first, ` +
        `never more than \`concurrency\` at a time; after ${STARVATION_LIMIT} higher-level messages in a row while a lower level waits, one lower ` +
        'message goes. At every (re)assignment lower levels wait until the broker\'s offsets show the higher levels have nothing unread. ' +
        'Priority holds among the messages one group member reads (partitions are spread over members). Not with orderedByKey or replay on one channel.',
      limits: {
        levels: PRIORITY_LEVELS,
        starvationLimit: STARVATION_LIMIT,
        bufferPerLevel: 'max(32, 2 x concurrency) per subscription',
        levelTopicSuffix: `${PRIORITY_TOPIC_INFIX}<n>`,
      },
    },
    requestReply: {
      support: 'emulated',
      detail:
        'Requests carry a reply topic (`<channel>.replies`) and a correlation id; each requester reads replies with its own ' +
        'throwaway consumer. Latency is two produce + fetch round trips (milliseconds on a healthy cluster, more under ' +
        'fetch backlog); no responder shows up as a timeout, and a responder skips requests whose deadline passed.',
      limits: { replyTopicSuffix: '.replies' },
    },
    replay: {
      support: 'native',
      detail:
        'A throwaway consumer group that never commits seeks to the earliest retained offset, a position, or a timestamp ' +
        '(ListOffsets by time), then follows the log live; other groups are untouched. History is bounded by topic retention.',
    },
    delayedDelivery: {
      support: 'emulated',
      detail:
        'A delayed message is produced (acks=all, like the channel) to the channel\'s delay topic `<topic>.delay` with its due time; ' +
        'every bus that declared the channel runs a member of its forwarder group, which holds due-ordered records in memory and ' +
        'produces each to the channel when due, committing past it only then, so a restart of the process or the broker loses ' +
        `nothing (a message may be forwarded twice). Lateness is the forwarder's produce latency while it holds under ${MAX_HELD} ` +
        'records per bus; past that a record due sooner waits behind the held ones. A delay not below the delay topic\'s ' +
        'retention.ms is refused at publish (the broker could delete the message before it is due).',
      limits: { maxDelayMs: MAX_TIMER_MS, heldPerForwarder: MAX_HELD, delayTopicSuffix: DELAY_TOPIC_SUFFIX },
    },
    deadLetter: {
      support: 'emulated',
      detail:
        'After the last attempt the message is produced to the `<channel>.dead` topic with the error in headers. A failed ' +
        'attempt does not wait in place: the message is produced (acks=all, same key, attempt count and due time in headers) ' +
        'to its subscriber group\'s own retry topic `<topic>.<group id>.retry` (replicated like the channel topic), and only ' +
        'then is its offset marked done, so other messages of its partition go on at once and a crash in between repeats it, ' +
        'never loses it. Only that group\'s members read the retry topic; they hold each record until due and run it through ' +
        'the same handler and concurrency, committing past it only once handled. Lateness is a timer tick plus a free handler ' +
        `slot (retries share the subscription's concurrency) while a member holds under ${MAX_HELD_RETRIES} retries; past that ` +
        'a retry due sooner waits behind the held ones. A retry due before the retry topic is read back comes one produce and ' +
        'fetch round trip late. A retry due later than the retry topic\'s retention.ms runs in-process instead, with a warning. ' +
        'Channels that declare orderedByKey retry in-process instead (see their report).',
      limits: { retryTopic: `<topic>.<group id>${RETRY_TOPIC_SUFFIX}`, heldRetriesPerSubscription: MAX_HELD_RETRIES },
    },
    messageTtl: {
      support: 'emulated',
      detail:
        'Kafka retention deletes whole log segments, never single messages, so expiry is done by the consumer: a message whose ' +
        '`ttlMs` passed (from its publish time, or its due time when delayed) is dropped before its handler. Expired messages ' +
        'still occupy the log until retention removes them, and producer and consumer clocks must agree (skew adds to or ' +
        'subtracts from the TTL).',
      limits: { expiry: 'consumer-side', clockSkew: 'adds to the error' },
    },
    durable: {
      support: 'native',
      detail:
        `Produced with acks=all${options.idempotent ? ' by an idempotent producer' : ''}; publish resolves after every in-sync ` +
        `replica stored the batch; a channel that declares durable gets its topic (and its dead letters' topic) created with replication factor ` +
        `${options.replicationFactor ?? DURABLE_REPLICATION_FACTOR} and min.insync.replicas ${options.minInsyncReplicas ?? DURABLE_MIN_INSYNC_REPLICAS} ` +
        '(options replicationFactor, minInsyncReplicas; fewer replicas on a cluster of fewer brokers, logged), so a confirmed message survives the loss of a broker; ' +
        'a single broker keeps one copy, which survives its restart, not its loss, and topics that already exist keep their own settings.',
      limits: {
        acks: 'all',
        idempotent: options.idempotent,
        replicationFactor: options.replicationFactor ?? DURABLE_REPLICATION_FACTOR,
        minInsyncReplicas: options.minInsyncReplicas ?? DURABLE_MIN_INSYNC_REPLICAS,
      },
    },
  };
}

/**
 * Per-channel adjustments on Kafka: capabilities that cannot hold together on one channel, and
 * what a channel's own options change. Pure (no IO), so the memory backend's `kafka` profile can
 * plan with exactly this function. Returns only the entries that differ from `base`.
 */
export function kafkaChannelCapabilities(
  base: CapabilityReport,
  channel: string,
  requires: Requirements,
  options: Record<string, unknown> = {},
): Partial<Record<CapabilityName, CapabilitySupport>> {
  const out: Partial<Record<CapabilityName, CapabilitySupport>> = {};
  if (isDeclared(requires, 'orderedByKey')) {
    out.deadLetter = inPlaceRetries(base.deadLetter, 'declares orderedByKey, so retries run in-process with backoff (a retry topic would let later messages of the key overtake the failed one): the failing message keeps its key\'s later messages waiting,');
  } else if (isDeclared(requires, 'priority')) {
    out.deadLetter = inPlaceRetries(base.deadLetter, 'declares priority, whose level consumers retry in-process with backoff (retry topics are not combined with priority levels):');
  }
  if (isDeclared(requires, 'priority')) Object.assign(out, priorityConflicts(base, channel, requires, options));
  return out;
}

/**
 * Dead letters of a channel whose retries run in-process: orderedByKey (a retry topic would let
 * later messages of the key overtake the failed one) and priority (its level consumers).
 */
function inPlaceRetries(base: CapabilitySupport, why: string): CapabilitySupport {
  const { retryTopic: _topic, heldRetriesPerSubscription: _held, ...limits } = base.limits ?? {};
  return {
    support: base.support,
    detail:
      `After the last attempt the message is produced to the \`<channel>.dead\` topic with the error in headers. The channel ${why} ` +
      'the failing message holds a handler slot and its partition\'s commit point (other keys of the partition keep running) for at most the retry budget.',
    limits: { ...limits, retries: 'in-process' },
  };
}

/** What priority's bucket topics do to the other capabilities of one channel. */
function priorityConflicts(
  base: CapabilityReport,
  channel: string,
  requires: Requirements,
  options: Record<string, unknown>,
): Partial<Record<CapabilityName, CapabilitySupport>> {
  const out: Partial<Record<CapabilityName, CapabilitySupport>> = {};
  // Core hands the declaration's maxPriority to ensureChannel; here it is known only when the options carry it.
  const declared = options['maxPriority'];
  const known = typeof declared === 'number' && Number.isInteger(declared) && declared > 0 ? declared : undefined;
  const maxPriority = known ?? 10;
  const levels = priorityLevels(maxPriority);
  const kafka = options['kafka'];
  const mapped = typeof kafka === 'object' && kafka !== null ? (kafka as Record<string, unknown>)['topic'] : undefined;
  const topic = typeof mapped === 'string' ? mapped : channel;
  const slices = Array.from({ length: levels }, (_, level) => bucketRange(level, maxPriority).join('-')).join(', ');
  const levelText =
    known === undefined
      ? `Up to ${PRIORITY_LEVELS} levels (priorities 0..maxPriority cut into equal slices; maxPriority 10: ${slices})`
      : `${levels} levels (priorities ${slices} of maxPriority ${maxPriority})`;
  const upper = known === undefined || levels > 2 ? `"${topic}${PRIORITY_TOPIC_INFIX}1".."${topic}${PRIORITY_TOPIC_INFIX}${levels - 1}"` : `"${topic}${PRIORITY_TOPIC_INFIX}1"`;
  if (isDeclared(requires, 'orderedByKey')) {
    out.priority = {
      support: 'unsupported',
      detail:
        `channel "${channel}" declares orderedByKey and priority: on Kafka each priority level is its own topic, so two messages of one key ` +
        'with different priorities sit in different logs and per-key order cannot hold. Split the channel (one ordered, one prioritised), ' +
        'or drop one requirement.',
    };
    return out;
  }
  if (isDeclared(requires, 'replay')) {
    out.replay = {
      support: 'unsupported',
      detail:
        `channel "${channel}" declares priority and replay: on Kafka its messages are spread over bucket topics ` +
        `("${topic}" and ${upper}) with no common order, so a replay of the channel ` +
        'cannot be offered. Split the channel (replay a copy without priority), or drop one requirement.',
    };
    return out;
  }
  out.priority = {
    ...base.priority,
    support: 'emulated',
    detail:
      `${levelText} in topics "${topic}" (lowest; producers that set no priority land there) and ${upper}` +
      (typeof mapped === 'string' ? `; other consumers of the mapped topic "${topic}" see only the lowest level's messages` : '') +
      `. The highest waiting level is handed out first, at most concurrency at a time, a lower level after ${STARVATION_LIMIT} higher messages in a row; ` +
      `each level holds up to ${bucketBufferSize(1)} fetched messages per subscription (2 x concurrency when that is more).`,
    limits: { ...base.priority.limits, ...(known !== undefined && { levels, maxPriority }) },
  };
  if (isDeclared(requires, 'requestReply')) {
    out.requestReply = {
      ...base.requestReply,
      detail:
        `${base.requestReply.detail} On priority channel "${channel}", requests carry no priority: they go to the lowest level's topic "${topic}", ` +
        'which is the only one responders read, in arrival order.',
    };
  }
  return out;
}
