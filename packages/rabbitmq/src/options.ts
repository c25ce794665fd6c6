import { z } from 'zod';
import { QUEUE_TYPE_OPTIONS } from './queue-type.js';
import { RabbitTopologyMappingSchema } from './topology-mapping.js';

/** RabbitMQ's own default for `max_message_size` (3.8+): 128 MiB. */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

const ReconnectSchema = z.strictObject({
  /** First delay after the connection dropped. */
  initialDelayMs: z.number().int().min(0).default(100),
  /** Ceiling of the exponential backoff between reconnect attempts. */
  maxDelayMs: z.number().int().min(1).default(5_000),
  /** Growth of the delay between attempts. */
  factor: z.number().min(1).default(2),
  /** Fraction of each delay that is randomised so a fleet does not reconnect in lockstep. */
  jitter: z.number().min(0).max(1).default(0.2),
});

/**
 * Options of `connect({ url: 'amqp://…', options })`. Unknown keys are rejected so a typo fails
 * at start-up instead of being ignored.
 */
export const RabbitOptionsSchema = z.strictObject({
  /** TLS options passed to `tls.connect` for `amqps://` (ca, cert, key, servername, rejectUnauthorized…). */
  tls: z.record(z.string(), z.unknown()).optional(),
  /** AMQP heartbeat in seconds; 0 disables it. A URL `?heartbeat=` wins. */
  heartbeatSeconds: z.number().int().min(0).max(3600).default(30),
  /** Bound on one TCP + AMQP handshake attempt, per host. */
  connectAttemptTimeoutMs: z.number().int().min(100).default(5_000),
  /**
   * How long an operation (publish, declare, subscribe) waits for the broker during an outage,
   * including re-sending unconfirmed messages after a reconnect, before it fails with a retriable
   * ConnectionError.
   */
  operationTimeoutMs: z.number().int().min(1).default(30_000),
  /** Backoff between reconnect attempts after the connection dropped. */
  reconnect: ReconnectSchema.default(ReconnectSchema.parse({})),
  /**
   * Largest message (body plus headers) the broker accepts: set it to the broker's
   * `max_message_size` when that is not RabbitMQ's default.
   */
  maxMessageBytes: z.number().int().min(1024).max(512 * 1024 * 1024).default(BROKER_DEFAULT_MAX_MESSAGE_BYTES),
  /** Shown as the connection name in the management UI and `rabbitmqctl list_connections`. */
  connectionName: z.string().min(1).default('switchboard'),
  /**
   * Prefix of the CloudEvents attributes Switchboard writes as application properties. The AMQP
   * binding allows `cloudEvents_` and `cloudEvents:` and prefers `_` (JMS 2.0 clients cannot read
   * `:`); both are always read. Choose `cloudEvents:` for consumers that only know that one (the
   * CloudEvents Java SDK's Proton AMQP reader, releases before the binding's 1.0.3 text).
   */
  cloudEventsPrefix: z.enum(['cloudEvents_', 'cloudEvents:']).default('cloudEvents_'),
  /**
   * Queue type of every channel's group queues unless the channel sets its own `queueType`.
   * `auto`: quorum for channels that declare `durable` (and do not require `priority`), classic
   * for the others.
   */
  queueType: z.enum(QUEUE_TYPE_OPTIONS).default('auto'),
});

/** RabbitMQ backend options as `connect({ options })` takes them (defaults optional). */
export type RabbitOptionsInput = z.input<typeof RabbitOptionsSchema>;
/** RabbitMQ backend options with every default applied. */
export type RabbitOptions = z.output<typeof RabbitOptionsSchema>;

/**
 * Per-channel options (`channels.x.options`). Keys this backend does not know are ignored, not
 * rejected, so one declaration can carry options for several backends; the `rabbitmq` key (the
 * topology mapping) is RabbitMQ's alone and rejects unknown keys.
 */
export const RabbitChannelOptionsSchema = z.object({
  /** Highest priority level of the group queues (`x-max-priority`), from the channel spec. */
  maxPriority: z.number().int().min(1).max(255).default(10),
  /** Stream retention for `replay` channels (`x-max-age`, e.g. `7D`, `12h`). */
  streamMaxAge: z.string().regex(/^\d+(Y|M|D|h|m|s)$/, 'use a number and one of Y M D h m s, e.g. 7D').default('7D'),
  /** Stream retention by size (`x-max-length-bytes`); unset = age only. */
  streamMaxBytes: z.number().int().min(1).optional(),
  /**
   * Keep messages no group queue would receive in the `parked` group (alternate exchange).
   * Default: on for `<channel>.dead`, so no dead letter is lost before someone subscribes.
   */
  keepUnrouted: z.boolean().optional(),
  /**
   * Type of the channel's group queues (and its retry, delay and parked queues): `quorum`
   * (replicated, survives the loss of a minority of cluster nodes; no priority in RabbitMQ 3.10),
   * `classic` (on one node; priority) or `auto` (the bus's `queueType`, whose default picks
   * quorum when the channel declares `durable` and does not require `priority`).
   */
  queueType: z.enum(QUEUE_TYPE_OPTIONS).optional(),
  /**
   * Quorum queues only: after this many deliveries without an ack (a message that crashes or
   * hangs every consumer that takes it) the broker dead-letters the message into `<channel>.dead`,
   * at least once. Core's `retry.maxAttempts` covers handlers that throw; this covers the ones
   * that never return. Unset: no broker-side limit (RabbitMQ 3.10's default).
   */
  deliveryLimit: z.number().int().min(1).max(1_000_000).optional(),
  /** Maps the channel onto an existing (or hand-shaped) exchange, routing keys, bindings and queues. */
  rabbitmq: RabbitTopologyMappingSchema.optional(),
});

/** Per-channel RabbitMQ options with defaults applied. */
export type RabbitChannelOptions = z.output<typeof RabbitChannelOptionsSchema>;
