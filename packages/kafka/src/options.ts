import { z } from 'zod';
import { COMPRESSION_NAMES } from './compression-registry.js';
import { ASSIGNOR_NAMES } from './java-assignors.js';
import { DEFAULT_PARTITIONS } from './topic-defaults.js';

/**
 * Kafka's default `message.max.bytes` (1 MiB + 12) bounds a whole record batch. One record adds
 * a batch header (61 bytes) plus varint framing per field and header; 1 KiB of headroom keeps a
 * message that passes core's size check from being refused by a default broker.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588 - 1024;

/**
 * Backoff for one broker operation (produce, commit, metadata). The defaults give a publish about
 * 40 s to ride out a broker restart or leader election before it fails with ConnectionError.
 */
const RetryOptionsSchema = z.strictObject({
  /** Attempts after the first. */
  retries: z.number().int().min(0).max(1000).default(8),
  /** First backoff delay. */
  initialRetryTimeMs: z.number().int().min(1).default(300),
  /** Longest backoff delay. */
  maxRetryTimeMs: z.number().int().min(1).default(10_000),
});

const SaslSchema = z.strictObject({
  /** SASL mechanism. */
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).default('plain'),
  /** SASL user name. */
  username: z.string().min(1),
  /** SASL password; never logged. */
  password: z.string(),
});

/**
 * Options for `connect({ url: 'kafka://host:9092', options })`. Defaults are production values;
 * tests pass smaller group timeouts so joins and takeovers are quick.
 */
export const KafkaOptionsSchema = z.strictObject({
  /** kafkajs `clientId`, visible in broker logs and quotas. */
  clientId: z.string().min(1).default('switchboard'),
  /** Prepended to every consumer group id (`<prefix><channel>:<group>`), e.g. to namespace environments. */
  groupIdPrefix: z.string().default(''),
  /** TLS: `true` or Node `tls.connect` options. `?tls=true` in the URL does the same. */
  ssl: z.union([z.boolean(), z.record(z.string(), z.unknown())]).optional(),
  /** SASL credentials; `kafka://user:password@host` sets PLAIN (or `?sasl=scram-sha-256`). */
  sasl: SaslSchema.optional(),
  /** Per-attempt TCP connect timeout. */
  connectAttemptTimeoutMs: z.number().int().min(1).default(3000),
  /** Per-request timeout. */
  requestTimeoutMs: z.number().int().min(1).default(30_000),
  /** Upper bound for `connect()` against an unreachable cluster. */
  connectTimeoutMs: z.number().int().min(1).default(10_000),
  /** Backoff for each broker operation. */
  retry: RetryOptionsSchema.default(RetryOptionsSchema.parse({})),
  /** Partitions for topics the backend creates, unless the channel declares `partitions`. */
  partitions: z.number().int().min(1).max(10_000).default(DEFAULT_PARTITIONS),
  /**
   * Replication factor of created topics. Default: 3 for channels that declare `durable` (and
   * their `.dead` topics), as many as the cluster has brokers when it has fewer; the broker's
   * `default.replication.factor` for the others.
   */
  replicationFactor: z.number().int().min(1).max(100).optional(),
  /**
   * `min.insync.replicas` of created topics: how many replicas must hold a batch before an
   * acks=all produce is confirmed. Default: 2 for channels that declare `durable` (at most the
   * replication factor − 1, at least 1), the broker's setting for the others.
   */
  minInsyncReplicas: z.number().int().min(1).max(100).optional(),
  /** Largest message core accepts (body + key + headers); match the broker's `message.max.bytes`. */
  maxMessageBytes: z.number().int().min(1024).default(DEFAULT_MAX_MESSAGE_BYTES),
  /**
   * Idempotent producer (acks=all, one in-flight request per broker, broker-side dedup of
   * retried batches). Disable only for brokers without idempotence (ACL `IdempotentWrite`).
   */
  idempotent: z.boolean().default(true),
  /** Consumer group session timeout: how long a dead consumer keeps its partitions. */
  sessionTimeoutMs: z.number().int().min(1).default(30_000),
  /** How often a consumer tells the group coordinator it is alive; below `sessionTimeoutMs`. */
  heartbeatIntervalMs: z.number().int().min(1).default(3000),
  /** How long the group waits for members to rejoin during a rebalance. */
  rebalanceTimeoutMs: z.number().int().min(1).default(60_000),
  /** Fetch long-poll time: bounds delivery latency on an idle topic and how fast `close()` returns. */
  maxWaitTimeMs: z.number().int().min(0).default(500),
  /**
   * Fetch `minBytes` (the Java client's `fetch.min.bytes`): the broker answers a consumer's fetch
   * once this many bytes are ready or `maxWaitTimeMs` has passed. 1 answers as soon as anything is
   * there (lowest latency). A process running many low-traffic subscriptions can raise it, with a
   * `maxWaitTimeMs` it accepts as added latency, for fewer and fuller fetches: less client and broker
   * CPU per message. Applies to subscriber groups (with their retry and priority consumers), replays
   * and delay forwarders; request/reply's responders and reply listeners always fetch with 1.
   */
  minBytes: z.number().int().min(1).default(1),
  /** How often a consumer commits its finished offsets (up to the first unfinished one per partition), and once more at close. */
  commitIntervalMs: z.number().int().min(10).default(1000),
  /** Bytes fetched per partition per request (kafkajs `maxBytesPerPartition`). */
  maxBytesPerPartition: z.number().int().min(1024).default(1_048_576),
  /**
   * Compression of produced batches unless a channel chooses its own (`options.kafka.compression`).
   * Consumers read all five codecs whatever this says.
   */
  compression: z.enum(COMPRESSION_NAMES).default('none'),
  /**
   * Longest time a connected bus works with cached topic metadata: partitions added to a topic
   * reach key placement of publishes and the assignment of consumer groups within about this long.
   */
  metadataMaxAgeMs: z.number().int().min(100).default(30_000),
  /**
   * Group protocols (assignors) subscriber consumers offer, in preference order, by wire name:
   * `range` / `roundrobin` work like the Java client's RangeAssignor / RoundRobinAssignor, so Java
   * consumers with their default assignors share a group; `RoundRobinAssigner` is kafkajs' own,
   * kept for groups with members of older Switchboard versions.
   */
  assignors: z.array(z.enum(ASSIGNOR_NAMES)).min(1).default([...ASSIGNOR_NAMES]),
  /** Minimum level of kafkajs' own log lines forwarded to the bus logger. */
  clientLogLevel: z.enum(['nothing', 'error', 'warn', 'info', 'debug']).default('warn'),
}).refine((o) => o.heartbeatIntervalMs < o.sessionTimeoutMs, {
  message: 'must be lower than sessionTimeoutMs (about a third of it is usual)',
  path: ['heartbeatIntervalMs'],
}).refine((o) => o.minInsyncReplicas === undefined || o.replicationFactor === undefined || o.minInsyncReplicas <= o.replicationFactor, {
  message: 'must not exceed replicationFactor (no produce could ever be confirmed)',
  path: ['minInsyncReplicas'],
});

/** Kafka backend options as `connect({ options })` takes them (defaults optional). */
export type KafkaOptions = z.input<typeof KafkaOptionsSchema>;
/** Kafka backend options with every default applied. */
export type ResolvedKafkaOptions = z.output<typeof KafkaOptionsSchema>;
