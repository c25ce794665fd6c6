import { AuthError, ConfigError, ConnectionError, SwitchboardError } from '@switchboard/core';

/** The fields kafkajs errors carry; all optional because causes may be anything. */
interface KafkaJsErrorLike {
  name?: string;
  message?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  errors?: unknown[];
}

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
]);

const AUTH_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'ILLEGAL_SASL_STATE',
  'UNSUPPORTED_SASL_MECHANISM',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
]);

const CONFIG_TYPES = new Set(['INVALID_TOPIC_EXCEPTION', 'INVALID_REPLICATION_FACTOR', 'INVALID_PARTITIONS', 'INVALID_CONFIG', 'POLICY_VIOLATION', 'INVALID_REQUEST']);

/**
 * A consumer could not join its group because the members already in it use group protocols
 * (partition assignors) this one does not offer (Kafka's INCONSISTENT_GROUP_PROTOCOL). Nothing is
 * consumed until the members agree; see `assignors` in the Kafka backend's README.
 */
export class GroupProtocolError extends ConfigError {
  /** The consumer group id ('' where the error was translated without knowing it). */
  readonly groupId: string;
  /** The protocol the running members use, when the broker said. */
  readonly groupProtocol: string | undefined;
  constructor(message: string, groupId: string, groupProtocol: string | undefined, options: { cause?: unknown } = {}) {
    super(message, options);
    this.groupId = groupId;
    this.groupProtocol = groupProtocol;
  }
}

/** The GroupProtocolError that names the protocol the group's running members use (read from the broker) and what this consumer offers. */
export function protocolConflict(
  error: GroupProtocolError,
  at: { groupId: string; channel: string; group: string; running: { protocol?: string; members?: number } | undefined; assignors: readonly string[] },
): GroupProtocolError {
  const { groupId, channel, group, running } = at;
  const protocol = running?.protocol || undefined;
  return new GroupProtocolError(
    `Kafka: subscriber group "${group}" of channel "${channel}" cannot join consumer group "${groupId}": its ${running?.members ?? 'running'} member(s) ` +
      `use group protocol ${protocol === undefined ? '(unknown)' : `"${protocol}"`}, and this consumer offers ${at.assignors.map((a) => `"${a}"`).join(', ')}. ` +
      'Give both sides a common one: Java consumers interoperate with partition.assignment.strategy containing RangeAssignor (the Java default) ' +
      'or RoundRobinAssignor; CooperativeStickyAssignor or StickyAssignor alone cannot be shared (see the assignors option)',
    groupId,
    protocol,
    { cause: error.cause ?? error },
  );
}

/** A publish without a key on a channel whose topic is compacted (`cleanup.policy=compact`): the broker refuses such records. */
export class KeyRequiredError extends ConfigError {
  /** The compacted topic that refused the unkeyed record. */
  readonly topic: string;
  constructor(message: string, topic: string) {
    super(message);
    this.topic = topic;
  }

  /** The refusal of an unkeyed publish on `channel`, whose topic is compacted. */
  static onCompacted(channel: string, topic: string): KeyRequiredError {
    return new KeyRequiredError(
      `Kafka: channel "${channel}" maps to compacted topic "${topic}" (cleanup.policy=compact), which keeps the latest record per key ` +
        'and refuses records without one; publish with { key }',
      topic,
    );
  }
}

/** Every error in a kafkajs error's `cause` / aggregate chain, outermost first. */
export function errorChain(error: unknown): KafkaJsErrorLike[] {
  const chain: KafkaJsErrorLike[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && chain.length < 32) {
    const next = pending.shift();
    if (typeof next !== 'object' || next === null) continue;
    const e = next as KafkaJsErrorLike;
    chain.push(e);
    if (e.cause !== undefined) pending.push(e.cause);
    if (Array.isArray(e.errors)) pending.push(...e.errors);
  }
  return chain;
}

/** The Kafka protocol error type (`MESSAGE_TOO_LARGE`, …) anywhere in the chain. */
export function protocolErrorType(error: unknown): string | undefined {
  return errorChain(error).find((e) => typeof e.type === 'string')?.type;
}

function innermostMessage(error: unknown): string {
  const chain = errorChain(error);
  const described = chain.filter((e) => typeof e.message === 'string' && e.message.length > 0);
  const outer = described[0]?.message ?? String(error);
  const inner = described.at(-1)?.message;
  return inner === undefined || inner === outer ? outer : `${outer} (${inner})`;
}

/**
 * Translates a kafkajs error into Switchboard's typed errors at the backend boundary.
 * `doing` says what failed ("publishing to orders") so the message stands on its own.
 */
export function translateKafkaError(error: unknown, doing: string, context: { groupId?: string } = {}): SwitchboardError {
  if (SwitchboardError.is(error)) return error;
  const chain = errorChain(error);
  const message = `Kafka: ${doing} failed: ${innermostMessage(error)}`;
  const types = chain.map((e) => e.type).filter((t): t is string => typeof t === 'string');
  if (chain.some((e) => e.name === 'KafkaJSSASLAuthenticationError') || types.some((t) => AUTH_TYPES.has(t))) {
    return new AuthError(message, { cause: error });
  }
  if (types.includes('INCONSISTENT_GROUP_PROTOCOL')) {
    return new GroupProtocolError(
      `${message}. The group's running members use group protocols (partition assignors) this consumer does not offer. ` +
        'Give both sides a common one: Java consumers with partition.assignment.strategy containing RangeAssignor (its default) ' +
        'or RoundRobinAssignor, or the `assignors` option of the Kafka backend',
      context.groupId ?? '',
      undefined,
      { cause: error },
    );
  }
  if (types.includes('INVALID_RECORD')) {
    return new ConfigError(
      `${message}. The broker refused a record as invalid; on a compacted topic (cleanup.policy=compact) every message needs a key`,
      { cause: error },
    );
  }
  if (types.some((t) => CONFIG_TYPES.has(t))) return new ConfigError(message, { cause: error });
  const connectionLike =
    chain.some((e) => e.name !== undefined && CONNECTION_ERRORS.has(e.name)) ||
    chain.some((e) => e.name === 'KafkaJSNumberOfRetriesExceeded') ||
    types.some((t) => t === 'LEADER_NOT_AVAILABLE' || t === 'NOT_LEADER_FOR_PARTITION' || t === 'COORDINATOR_NOT_AVAILABLE');
  if (connectionLike) return new ConnectionError(message, { cause: error });
  const retriable = chain.some((e) => e.retriable === true);
  return new SwitchboardError(message, { cause: error, retriable });
}
