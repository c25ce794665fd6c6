/**
 * The declaration-driven public API types: what a channel offers follows from what it declared.
 */
import type { z } from 'zod';
import type { CapabilityName, CapabilityReport, Requirement, Requirements, Support } from './capabilities.js';
import type { RetryOptions } from './config.js';
import type { Logger } from './logger.js';
import type { Backend, BackendFactory, ConnectionStatus, ReturnedMessage } from './spi.js';
import type { TelemetryOptions } from './telemetry/telemetry-options.js';

/** How an application declares a channel. */
export interface ChannelSpec {
  /** The semantics this channel needs; checked against the backend before any traffic. */
  requires?: Requirements;
  /** zod schema for payloads: validated on publish (SchemaError) and on receive (dead-letter). */
  schema?: z.ZodType;
  /** zod schema for replies (channels with `requestReply`). */
  replySchema?: z.ZodType;
  /** Subscriber groups that exist from the start: messages published before they subscribe are kept for them. */
  groups?: readonly string[];
  /** Highest priority level, default 10 (channels with `priority`). */
  maxPriority?: number;
  /** Partition count where the backend partitions (Kafka). */
  partitions?: number;
  /** Backend-specific channel options. */
  options?: Record<string, unknown>;
}

export interface ConnectOptions<C extends Record<string, ChannelSpec> = Record<string, ChannelSpec>> {
  /** `memory://`, `amqp://user:pass@host:5672/vhost`, `amqps://…`, `kafka://host1:9092,host2:9092`. */
  url: string;
  /** Use this backend instead of resolving one from the URL scheme. */
  backend?: BackendFactory | Backend;
  channels?: C;
  /** Backend-specific connection options (TLS, client id, …). */
  options?: Record<string, unknown>;
  logger?: Logger;
  /** CloudEvents `source` of published messages. Default `switchboard`. */
  source?: string;
  /** How long `close()` waits for in-flight handlers. Default 10 000. */
  closeTimeoutMs?: number;
  /** Default `request()` timeout. Default 5 000. */
  requestTimeoutMs?: number;
  /**
   * Deadline of every publish on every backend, from the call to the broker's confirm (including
   * waiting for a reconnect); after it the publish rejects with a retriable TimeoutError. Default 30 000.
   */
  publishTimeoutMs?: number;
  /**
   * OpenTelemetry tracing and metrics (needs `@opentelemetry/api` installed). Default: the global
   * tracer and meter providers, when an SDK registered them before `connect()`; `false` turns
   * telemetry off. See the README's "Observability" section.
   */
  telemetry?: TelemetryOptions | false;
}

type Declared<R, K extends CapabilityName> = K extends keyof R
  ? [Exclude<R[K], undefined>] extends [never]
    ? false
    : [Exclude<R[K], undefined>] extends [false]
      ? false
      : true
  : false;

type RequiresOf<S> = S extends { readonly requires?: infer R } ? (R extends object ? R : {}) : {};

/** Payload type a publisher passes (the schema's input). */
export type PayloadIn<S> = S extends { readonly schema?: infer Z } ? (Z extends z.ZodType ? z.input<Z> : unknown) : unknown;
/** Payload type a handler receives (the schema's output). */
export type PayloadOut<S> = S extends { readonly schema?: infer Z } ? (Z extends z.ZodType ? z.output<Z> : unknown) : unknown;
type ReplyOut<S> = S extends { readonly replySchema?: infer Z } ? (Z extends z.ZodType ? z.output<Z> : unknown) : unknown;
type ReplyIn<S> = S extends { readonly replySchema?: infer Z } ? (Z extends z.ZodType ? z.input<Z> : unknown) : unknown;

/** Options every publish accepts. */
export interface BasePublishOptions {
  /** Partition / ordering key. */
  key?: string;
  /** Application headers (string values). */
  headers?: Record<string, string>;
  /** CloudEvents `type`; default: the channel name. */
  type?: string;
  /** Message id; default: a random UUID. */
  id?: string;
  /** W3C trace context to propagate. */
  traceparent?: string;
  tracestate?: string;
}

export type PublishOptions<R> = BasePublishOptions &
  (Declared<R, 'priority'> extends true ? { /** 0 (lowest) … maxPriority. */ priority?: number } : {}) &
  (Declared<R, 'delayedDelivery'> extends true ? { /** Deliver no earlier than this many ms from now. */ delayMs?: number } : {}) &
  (Declared<R, 'messageTtl'> extends true ? { /** Discard if not consumed within this many ms. */ ttlMs?: number } : {});

/** A received message. */
export interface Message<T = unknown> {
  payload: T;
  id: string;
  key?: string;
  /** Application headers. */
  headers: Record<string, string>;
  priority?: number;
  timestamp: Date;
  /** CloudEvents type and source. */
  type: string;
  source: string;
  traceparent?: string;
  tracestate?: string;
  /** 1 on first delivery, incremented by every retry. */
  attempt: number;
  /** The broker says it may have been delivered before (e.g. after a connection loss). */
  redelivered: boolean;
  /** Opaque resume point for `replay({ from: { position } })`, where the backend has one. */
  position?: string;
}

export type Handler<T> = (message: Message<T>) => unknown;

export interface SubscribeOptions {
  /** Handlers running at once. Default 16. With `orderedByKey`, one per key at a time. */
  concurrency?: number;
  /** Retry before dead-lettering. Default 5 attempts, 200 ms doubling, 20% jitter. */
  retry?: RetryOptions;
  /** How long `close()` waits for in-flight handlers; default the bus's `closeTimeoutMs`. */
  drainTimeoutMs?: number;
  /**
   * Called whenever the subscription stops or resumes making progress (see {@link SubscriptionStatus});
   * `bus.health()` shows the same. A listener that throws is ignored.
   */
  onStatus?: (status: SubscriptionStatus) => void;
}

/**
 * `live`: receiving. `recovering`: the connection was lost and the backend is reconnecting by itself.
 * `failed`: the consumer cannot make progress until someone acts (unreadable data, group protocol
 * conflict, authorization); `error` says why. `closed`: closed by the application.
 */
export type SubscriptionState = 'live' | 'recovering' | 'failed' | 'closed';

export interface SubscriptionStatus {
  channel: string;
  /** Subscriber group; absent for replay and respond. */
  group?: string;
  kind: 'subscribe' | 'replay' | 'respond';
  state: SubscriptionState;
  /** When it entered this state. */
  since: Date;
  /** Why it is not live; kept as the last error after it recovered. */
  error?: Error;
}

/** A live subscription. Resolved once a message published afterwards will reach it. */
export interface Subscription {
  /** Stops receiving, waits for in-flight handlers (bounded), then acks/commits. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
  /** Whether it is making progress right now. */
  readonly status: SubscriptionStatus;
}

/** The most recent error a connection or subscription reported, with where and when. */
export interface BusLastError {
  source: 'connection' | 'subscription';
  /** The connection's name, or `<channel>/<group>` (`<kind> <channel>` for replay and respond). */
  name: string;
  error: Error;
  at: Date;
}

/** `bus.health()`: for readiness probes. */
export interface BusHealth {
  backend: string;
  /** True while the bus is open, every connection is ready and every subscription is live. */
  ok: boolean;
  closed: boolean;
  /** Every broker connection, where the backend reports them (RabbitMQ, Kafka); empty for memory. */
  connections: ConnectionStatus[];
  subscriptions: SubscriptionStatus[];
  /** The most recent error any connection or subscription reported, also after it recovered. */
  lastError?: BusLastError;
}

/**
 * What `bus.on(type, listener)` delivers. `subscription`: a subscription changed state (`failed`
 * means it cannot make progress until someone acts; `recovering`, `live`, `closed`).
 * `connection`: a broker connection was lost, recovered (`ready`) or closed. `returned`: the broker
 * confirmed a published message but could not route it to any queue (RabbitMQ).
 */
export interface BusEventMap {
  subscription: SubscriptionStatus;
  connection: ConnectionStatus;
  returned: ReturnedMessage;
}

export type ReplayFromOption = 'earliest' | { position: string } | { timestamp: Date };

export interface ChannelBase<TIn, TOut, P> {
  readonly name: string;
  /** Validates, encodes and resolves once the broker confirmed the message. */
  publish(payload: TIn, options?: P): Promise<void>;
  /** Joins subscriber `group`: every group gets every message; members of one group share them. */
  subscribe(group: string, handler: Handler<TOut>, options?: SubscribeOptions): Promise<Subscription>;
}

export interface RequestReplyApi<TIn, TOut, RIn, ROut> {
  /** Sends a request and resolves with the reply payload. Rejects with TimeoutError / NoResponderError. */
  request(payload: TIn, options?: { timeoutMs?: number; key?: string; headers?: Record<string, string> }): Promise<ROut>;
  /** Answers requests; the handler's return value is the reply. */
  respond(handler: (message: Message<TOut>) => RIn | Promise<RIn>, options?: SubscribeOptions): Promise<Subscription>;
}

export interface ReplayApi<TOut> {
  /** Delivers retained history from `from`, then continues live. Moves no group's position. */
  replay(options: { from: ReplayFromOption }, handler: Handler<TOut>, subscribe?: SubscribeOptions): Promise<Subscription>;
}

/** A channel's API, shaped by its declaration. */
export type Channel<S = {}> = ChannelBase<PayloadIn<S>, PayloadOut<S>, PublishOptions<RequiresOf<S>>> &
  (Declared<RequiresOf<S>, 'requestReply'> extends true ? RequestReplyApi<PayloadIn<S>, PayloadOut<S>, ReplyIn<S>, ReplyOut<S>> : {}) &
  (Declared<RequiresOf<S>, 'replay'> extends true ? ReplayApi<PayloadOut<S>> : {});

/** What one capability ended up as on one channel. */
export interface ReportedCapability {
  required: Requirement;
  support: Support;
  detail: string;
  limits?: Record<string, number | string | boolean>;
  /** A `'preferred'` capability the backend lacks: the channel runs without it. */
  degraded: boolean;
}

/** `bus.report()`: what was chosen, emulated and degraded. */
export interface BusReport {
  backend: string;
  channels: Record<string, Partial<Record<CapabilityName, ReportedCapability>>>;
  emulated: { channel: string; capability: CapabilityName; detail: string }[];
  degraded: { channel: string; capability: CapabilityName; detail: string }[];
}

export interface Bus<C extends Record<string, ChannelSpec> = {}> {
  /** A declared channel, typed from its declaration. */
  channel<N extends keyof C & string>(name: N): Channel<C[N]>;
  /** Any other channel; `spec` is checked against the backend like a declared one. */
  channel<const S extends ChannelSpec = {}>(name: string, spec?: S): Channel<S>;
  /** The backend's own capability report. */
  readonly capabilities: CapabilityReport;
  /** The backend's name: 'memory', 'rabbitmq', 'kafka'. */
  readonly backend: string;
  report(): BusReport;
  /** Current state of every connection and open subscription, for readiness probes. */
  health(): BusHealth;
  /**
   * Calls `listener` for every event of `type` from now on; returns a function that removes it.
   * A listener that throws is logged and ignored; an event nobody listens to is simply dropped.
   */
  on<K extends keyof BusEventMap>(type: K, listener: (event: BusEventMap[K]) => void): () => void;
  /** Closes every subscription (draining in-flight handlers) and the connection. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
}
