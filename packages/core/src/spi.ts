/**
 * Backend SPI: what a broker adapter implements. A backend moves bytes and translates broker
 * semantics; everything else (validation, envelope, retry, dead-letter routing, dispatch,
 * capability checks, lifecycle) is done once, in core.
 */
import type { CapabilityName, CapabilityReport, CapabilitySupport, Requirements } from './capabilities.js';
import type { Logger } from './logger.js';

/**
 * A message as the backend sees it. `headers` already hold the CloudEvents attributes named for
 * the backend's protocol binding (see {@link Backend.binding}), plus the application's headers.
 */
export interface WireMessage {
  /** The encoded payload. */
  body: Buffer;
  /** Partition / ordering key. */
  key?: string;
  /** CloudEvents attributes, Switchboard's `sb-*` headers and the application's headers. */
  headers: Record<string, string>;
  /** Message id, also present in headers; backends may map it to a native property. */
  id: string;
  /**
   * Milliseconds since epoch when the application published it. Where the protocol's own
   * timestamp is coarser (AMQP: seconds), take it from the CloudEvents `time` header.
   */
  timestamp: number;
  /** Only set on channels that declared `priority`. 0 = lowest. */
  priority?: number;
  /** Only set on channels that declared `delayedDelivery`. */
  delayMs?: number;
  /** Only set on channels that declared `messageTtl`. */
  ttlMs?: number;
  /**
   * A record without a value (Kafka tombstone), as opposed to an empty one; `body` is then empty.
   * Backends without the notion deliver an empty body instead.
   */
  tombstone?: boolean;
}

/** One received message handed from the backend to core. Core settles it exactly once. */
export interface Delivery extends WireMessage {
  /** True when the broker says it may have been delivered before. */
  redelivered: boolean;
  /** Opaque resume point `replay({ from: { position } })` accepts back; absent where the backend has none. */
  position?: string;
  /** Settle as done: ack / mark offset. May resolve later than the call returns (batched commits). */
  ack(): void;
  /**
   * Optional: give the message back to the same subscriber group after `delayMs`, with `headers`
   * replacing the original headers (core bumps the attempt count there). The backend acks the
   * original once the re-delivery is safely stored. When absent, core retries in-process.
   * Core trusts the `sb-attempt` header only on deliveries that offer this method, so a backend
   * that does must drop that header from messages that did not come back through its own retry
   * route (a foreign producer could have set it).
   */
  retryLater?(delayMs: number, headers: Record<string, string>): Promise<void>;
  /** Present on request deliveries (`respond`): send `message` as the reply. Core acks afterwards. */
  reply?(message: WireMessage): Promise<void>;
  /**
   * Optional: one object per stored message, the same for every delivery of it that carries the
   * same body and headers (every subscriber group of a fanout, a redelivery). Core keeps the decoded
   * envelope in `decoded`, so fanout to many groups reads a message once. Backends that hand every
   * message out once (or cannot tell) leave it out; backends never read or write `decoded`.
   */
  readonly shared?: DecodeSlot;
}

/** Where core keeps what it decoded from a message shared by several deliveries (see {@link Delivery.shared}). */
export interface DecodeSlot {
  /** Core's; starts undefined. */
  decoded: unknown;
}

/**
 * Called by the backend for every delivery. The returned promise resolves when core has room for
 * more (backpressure); push backends may ignore it because prefetch already bounds them, pull
 * backends await it before handing over the next message.
 */
export type DeliverFn = (delivery: Delivery) => void | Promise<void>;

/** A live consumer. `stop()` stops new deliveries; settled messages keep being committed until `close()`. */
export interface ConsumerHandle {
  /** Stop fetching / cancel the consumer; in-flight deliveries may still be acked. */
  stop(): Promise<void>;
  /** Commit what was acked and release broker resources. Called after core drained in-flight work. */
  close(): Promise<void>;
  /**
   * Optional: messages behind the end of what this consumer reads (summed over its partitions),
   * where the backend knows it cheaply (Kafka: from its last fetch). Read by the lag metric.
   */
  lag?(): number | undefined;
}

/**
 * Whether a consumer is making progress. `recovering`: it lost its connection or was restarted and is
 * retrying by itself (a broker restart). `failed`: it cannot make progress without someone acting
 * (unreadable data, group protocol conflict, authorization, a restart loop); it may keep retrying.
 */
export type ConsumerState = 'live' | 'recovering' | 'failed';

/** A consumer's report to core through {@link ConsumeOptions.status}. */
export interface ConsumerStatus {
  /** Whether it is making progress. */
  state: ConsumerState;
  /** Why it is not live (a SwitchboardError where the backend could translate it). */
  error?: Error;
}

/** How core consumes a subscription. */
export interface ConsumeOptions {
  /** Max messages core will handle at once for this subscription (sets prefetch / batch sizes). */
  concurrency: number;
  /** Whether the channel declared `orderedByKey` (backends that emulate it must honour it). */
  orderedByKey: boolean;
  /**
   * Tells core (and through it the application) when the consumer stops or resumes making
   * progress. Call it on every change; repeated calls with the same state are fine. Never throws.
   */
  status(status: ConsumerStatus): void;
}

/** Where a backend replay starts. */
export type ReplayFrom =
  | 'earliest'
  | 'latest'
  | {
      /** A position the backend handed out in `Delivery.position`. */
      position: string;
    }
  | {
      /** The first message stored at or after this time. */
      timestamp: Date;
    };

/** What core knows about a channel when it asks the backend to prepare it. */
export interface ChannelSetup {
  /** The channel's name. */
  name: string;
  /** What the channel declared. */
  requires: Requirements;
  /** Subscriber groups declared up front: messages published before their first subscriber must be kept. */
  groups: string[];
  /** Backend-specific channel options from the declaration (e.g. `partitions`, `maxPriority`). */
  options: Record<string, unknown>;
}

/** Options of `Backend.request`. */
export interface RequestOptions {
  /** Reject with TimeoutError after this long without a reply. */
  timeoutMs: number;
}

/**
 * What a backend made of one channel on the broker, shown in `bus.report().topology`: the names it
 * uses (mapped onto existing ones or its defaults), the settings in effect, and where the broker
 * differs from the declaration.
 */
export interface ChannelTopologyReport {
  /** Broker object names by role, e.g. `{ topic: 'orders', 'group billing': 'billing-service' }`. */
  names: Record<string, string>;
  /** Settings in effect, e.g. `{ compression: 'lz4', partitions: 6 }`. */
  settings: Record<string, string | number | boolean>;
  /** Differences between the declaration and the broker, as sentences a person can act on. */
  warnings: string[];
}

/**
 * One broker connection (or client, where the protocol has no single connection). `ready`: usable.
 * `lost`: dropped, and the backend is reconnecting by itself. `closed`: closed by the application.
 */
export type ConnectionState = 'ready' | 'lost' | 'closed';

/** One connection's state, in `bus.health().connections` and `bus.on('connection')`. */
export interface ConnectionStatus {
  /** Which connection, stable while the bus lives: `publish`, `consume` (RabbitMQ), `producer`, `consumer <group id>` (Kafka). */
  name: string;
  /** Ready, lost (reconnecting) or closed. */
  state: ConnectionState;
  /** When it entered this state. */
  since: Date;
  /** Broker address, never with credentials. */
  endpoint?: string;
  /** Why it was lost; kept after it recovered as its last error. */
  error?: Error;
}

/** A message the broker confirmed but could not route to any queue (RabbitMQ `basic.return`): nobody will receive it. */
export interface ReturnedMessage {
  /** The channel it was published on. */
  channel: string;
  /** The message id. */
  id: string;
  /** The broker's reason, e.g. `NO_ROUTE`. */
  reason: string;
}

/** What a backend reports to core as it happens (see {@link Backend.observe}). Every method is cheap and never throws. */
export interface BackendEvents {
  /** A connection changed state (lost, recovered, closed). */
  connection(status: ConnectionStatus): void;
  /** The broker returned a published message it could not route. */
  returned(message: ReturnedMessage): void;
}

/** A backend instance, one per bus. Every method may be called concurrently. */
export interface Backend {
  /** Short stable name: 'memory', 'rabbitmq', 'kafka'. */
  readonly name: string;
  /**
   * CloudEvents binary-mode attribute naming: `headerPrefix` is written (`ce_` for the Kafka
   * binding, `cloudEvents_` or `cloudEvents:` for AMQP); `readPrefixes` are also read.
   */
  readonly binding: {
    /** The prefix written: `ce_`, `cloudEvents_` or `cloudEvents:`. */
    headerPrefix: string;
    /** Prefixes also read (both AMQP separators), besides `headerPrefix`. */
    readPrefixes?: readonly string[];
  };
  /** What the backend can do in general. Must list all ten capabilities. */
  readonly capabilities: CapabilityReport;
  /** Largest message (body plus headers, in bytes) the broker accepts; core rejects bigger ones up front. */
  readonly maxMessageBytes?: number;
  /**
   * Per-channel view: the same report, adjusted for what this channel declared together (for
   * example, RabbitMQ streams cannot be priority queues), and for the channel's backend options
   * (`options`, as declared: e.g. a mapping onto existing topology changes what a capability
   * means). May throw ConfigError for options it cannot accept. Default: `capabilities`.
   */
  channelCapabilities?(channel: string, requires: Requirements, options?: Record<string, unknown>): Partial<Record<CapabilityName, CapabilitySupport>>;

  /** Optional: the channel's broker topology for `bus.report()`, once `ensureChannel` ran for it. */
  topologyReport?(channel: string): ChannelTopologyReport | undefined;

  /** Open connections. Rejects with ConnectionError / AuthError / ConfigError. */
  connect(): Promise<void>;
  /** Create / check broker topology for a channel. Idempotent. */
  ensureChannel(setup: ChannelSetup): Promise<void>;
  /**
   * Optional: refuse one message the broker could not take (a routing key too long, a delay past
   * the backend's maximum) by throwing a typed error. Core calls it for each message before it
   * joins a batch, after the channel's topology exists, so a bad value fails only its own publish
   * and never a batch it shares with others. Synchronous and cheap: it runs once per message.
   */
  checkMessage?(channel: string, message: WireMessage): void;
  /** Publish and resolve once the broker confirmed every message. */
  publish(channel: string, messages: WireMessage[]): Promise<void>;
  /** Start a subscriber-group consumer. Resolves once a message published afterwards will reach it. */
  consume(channel: string, group: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle>;
  /** Read retained history from `from`, then continue live. Must not move any group's committed position. */
  replay?(channel: string, from: ReplayFrom, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle>;
  /** Send a request and resolve with the reply. Rejects with TimeoutError / NoResponderError. */
  request?(channel: string, message: WireMessage, options: RequestOptions): Promise<Delivery>;
  /** Serve requests: every delivery carries `reply()`. Competing responders share requests. */
  respond?(channel: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle>;
  /** Close every connection. Idempotent. */
  close(): Promise<void>;
  /** Optional: the state of every broker connection right now, for `bus.health()`. Synchronous and cheap. */
  health?(): ConnectionStatus[];
  /** Optional: core calls it once, before `connect()`, with the sink for connection changes and returned messages. */
  observe?(events: BackendEvents): void;
  /**
   * Optional: backend-specific OpenTelemetry attributes of a received message (for example
   * `messaging.destination.partition.id`, `messaging.kafka.offset`). Called only while tracing.
   */
  messageAttributes?(delivery: Delivery): Record<string, string | number | boolean> | undefined;
}

/** Everything a backend factory gets from `connect()`. */
export interface BackendContext {
  /** The URL given to `connect()`, credentials included: never log it unredacted. */
  url: string;
  /** Backend-specific options from `connect({ options })`, validated by the backend's own schema. */
  options: Record<string, unknown>;
  /** The bus's logger. */
  logger: Logger;
}

/**
 * A backend's capability catalog: the one place its support levels, details, limits and
 * per-channel rules live. Pure (no IO), so it can be read without a broker: the backend's own
 * report, the memory backend's profiles and the `satisfiedBy` hints of a CapabilityError are all
 * planned with it. Each shipped backend package exports one as `capabilityCatalog` (also from its
 * light `<package>/catalog` entry, which loads no broker client).
 */
export type CapabilityCatalog = Pick<Backend, 'name' | 'capabilities' | 'channelCapabilities'>;

/** What a backend package exports as `backendFactory`, and what `connect({ backend })` accepts. */
export interface BackendFactory {
  /** The backend's name, as `Backend.name`. */
  readonly name: string;
  /** URL schemes without the colon, e.g. `['amqp', 'amqps']`. */
  readonly schemes: readonly string[];
  /** Creates a backend without any IO: it connects in `connect()`, so its report can be read first. */
  create(context: BackendContext): Backend;
}
