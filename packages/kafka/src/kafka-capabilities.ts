import { MAX_TIMER_MS, type CapabilityReport } from '@switchboard/core';
import { DELAY_TOPIC_SUFFIX, MAX_HELD } from './delay-forwarder.js';
import type { ResolvedKafkaOptions } from './options.js';
import { DURABLE_MIN_INSYNC_REPLICAS, DURABLE_REPLICATION_FACTOR } from './topic-admin.js';

/** What this backend does with each capability, with the numbers that bound it. */
export function kafkaCapabilities(options: ResolvedKafkaOptions): CapabilityReport {
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
      support: 'unsupported',
      detail: 'A Kafka partition is an append-only log read in order; it cannot let a later message overtake an earlier one.',
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
        'records per bus; past that a record due sooner waits behind the held ones.',
      limits: { maxDelayMs: MAX_TIMER_MS, heldPerForwarder: MAX_HELD, delayTopicSuffix: DELAY_TOPIC_SUFFIX },
    },
    deadLetter: {
      support: 'emulated',
      detail:
        'After the last attempt the message is produced to the `<channel>.dead` topic with the error in headers. Retries run ' +
        'in-process with backoff: a failing message holds its partition\'s commit (not other keys) for at most the retry budget.',
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
