/**
 * The declaration-driven public API types: what a channel offers follows from what it declared.
 */
import type { z } from 'zod';
import type { CapabilityName, CapabilityReport, Requirements } from './capabilities.js';
import type { Codec, CodecOption } from './codec.js';
import type { RetryOptions } from './config.js';
import type { DeadLetterInfo } from './dead-letter.js';
import type { Logger } from './logger.js';
import type { Backend, BackendFactory } from './spi.js';
import type { TelemetryOptions } from './telemetry/telemetry-options.js';
import type { BusEventMap, BusHealth, BusReport, SubscriptionStatus } from './bus-status-types.js';

export type { BusEventMap, BusHealth, BusLastError, BusReport, ReportedCapability, ReportedEntry, SubscriptionState, SubscriptionStatus } from './bus-status-types.js';

/** How an application declares a channel. */
export interface ChannelSpec {
  /** The semantics this channel needs; checked against the backend before any traffic. */
  requires?: Requirements;
  /** zod schema for payloads: validated on publish (SchemaError) and on receive (dead-letter). */
  schema?: z.ZodType;
  /** zod schema for replies (channels with `requestReply`). */
  replySchema?: z.ZodType;
  /**
   * How payloads become bytes: `'json'` (default), `'text'` (strings sent as they are),
   * `'bytes'` (Buffers as they are) or a {@link Codec} (Avro, Protobuf, …). A received message's
   * own content type decides how it is read when it has one; the schema applies after decoding.
   */
  codec?: CodecOption;
  /** Subscriber groups that exist from the start: messages published before they subscribe are kept for them. */
  groups?: readonly string[];
  /** Highest priority level, default 10 (channels with `priority`). */
  maxPriority?: number;
  /** Partition count where the backend partitions (Kafka). */
  partitions?: number;
  /** Backend-specific channel options. */
  options?: Record<string, unknown>;
}

/** What `connect()` takes. */
export interface ConnectOptions<C extends Record<string, ChannelSpec> = Record<string, ChannelSpec>> {
  /** `memory://`, `amqp://user:pass@host:5672/vhost`, `amqps://…`, `kafka://host1:9092,host2:9092`. */
  url: string;
  /** Use this backend instead of resolving one from the URL scheme. */
  backend?: BackendFactory | Backend;
  /** The channels and the semantics each needs, checked against the backend before any traffic. */
  channels?: C;
  /** Backend-specific connection options (TLS, client id, …). */
  options?: Record<string, unknown>;
  /** Where Switchboard and the backend log; default: nothing is logged. */
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

type CodecOf<S> = S extends { readonly codec?: infer C } ? Exclude<C, undefined> : undefined;
/** What a channel's codec accepts on publish when it has no schema. */
type CodecIn<C> = [C] extends ['text'] ? string : [C] extends ['bytes'] ? Uint8Array : [C] extends [Codec<infer T>] ? T : unknown;
/** What a channel's codec hands to handlers when it has no schema. */
type CodecOut<C> = [C] extends ['text'] ? string : [C] extends ['bytes'] ? Buffer : [C] extends [Codec<infer T>] ? T : unknown;

/** Payload type a publisher passes: the schema's input, else what the codec encodes. */
export type PayloadIn<S> = S extends { readonly schema?: infer Z } ? (Z extends z.ZodType ? z.input<Z> : CodecIn<CodecOf<S>>) : CodecIn<CodecOf<S>>;
/** Payload type a handler receives: the schema's output, else what the codec decodes. */
export type PayloadOut<S> = S extends { readonly schema?: infer Z } ? (Z extends z.ZodType ? z.output<Z> : CodecOut<CodecOf<S>>) : CodecOut<CodecOf<S>>;
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
  /** CloudEvents `subject`: what the event is about within its source (an order id, a file name). */
  subject?: string;
  /**
   * W3C trace context to propagate, written both as the plain `traceparent` header and as the
   * CloudEvents attribute. A malformed value is refused with ConfigError. A `traceparent` /
   * `tracestate` in `headers` (what OpenTelemetry's propagator injects) is used the same way.
   */
  traceparent?: string;
  /** W3C `tracestate` to propagate with `traceparent`. */
  tracestate?: string;
}

/** Options of `publish()`: `priority`, `delayMs` and `ttlMs` only where the channel declared them. */
export type PublishOptions<R> = BasePublishOptions &
  (Declared<R, 'priority'> extends true
    ? {
        /** 0 (lowest) … maxPriority. */
        priority?: number;
      }
    : {}) &
  (Declared<R, 'delayedDelivery'> extends true
    ? {
        /** Deliver no earlier than this many ms from now. */
        delayMs?: number;
      }
    : {}) &
  (Declared<R, 'messageTtl'> extends true
    ? {
        /** Discard if not consumed within this many ms. */
        ttlMs?: number;
      }
    : {});

/** A received message. */
export interface Message<T = unknown> {
  /** The decoded body, validated by the channel's schema when it has one. */
  payload: T;
  /** Message id (CloudEvents `id`). */
  id: string;
  /** Partition / ordering key, when the publisher gave one. */
  key?: string;
  /** Application headers. */
  headers: Record<string, string>;
  /** Priority it was published with, on channels that declared `priority`. */
  priority?: number;
  /** When it was published (CloudEvents `time`). */
  timestamp: Date;
  /** CloudEvents type; the channel name unless the publisher set one. */
  type: string;
  /** CloudEvents source: the publishing application. */
  source: string;
  /** CloudEvents `subject`, when the event has one. */
  subject?: string;
  /** CloudEvents `dataschema`, when the event has one. */
  dataschema?: string;
  /** CloudEvents extension attributes (besides traceparent, tracestate, partitionkey), as strings. */
  extensions?: Record<string, string>;
  /** The payload's own content type (CloudEvents `datacontenttype`); absent when the message had none. */
  contentType?: string;
  /** W3C trace context, from the plain header or else the CloudEvents attribute (invalid ones are dropped). */
  traceparent?: string;
  /** W3C `tracestate` from the publisher. */
  tracestate?: string;
  /**
   * True for a tombstone (a Kafka record without a value, unlike an empty one). Its payload is
   * null on json and custom-codec channels, '' on text and an empty Buffer on bytes channels.
   */
  tombstone?: true;
  /** On a `<channel>.dead` channel: why and where the message died, with its original bytes. */
  deadLetter?: DeadLetterInfo;
  /** 1 on first delivery, incremented by every retry. */
  attempt: number;
  /** The broker says it may have been delivered before (e.g. after a connection loss). */
  redelivered: boolean;
  /** Opaque resume point for `replay({ from: { position } })`, where the backend has one. */
  position?: string;
}

/** Handles one message: resolve to ack, throw to retry (then dead-letter). */
export type Handler<T> = (message: Message<T>) => unknown;

/**
 * A message received from `<channel>.dead`. `valid` says whether its payload is what the
 * original channel's handlers get (decoded with that channel's codec, accepted by its schema):
 * then `payload` is typed. Otherwise (it died of a decode or schema error) `payload` is read by
 * the message's content type, or is the raw Buffer when even that fails; `deadLetter.body` always
 * holds the original bytes.
 */
export type DeadLetter<T = unknown> =
  | (Message<T> & {
      /** The payload is what the original channel's handlers get. */
      readonly valid: true;
      /** Why and where it died, with its original bytes. */
      deadLetter: DeadLetterInfo;
    })
  | (Message<unknown> & {
      /** The payload could not be read with the original channel's codec or schema. */
      readonly valid: false;
      /** Why and where it died, with its original bytes. */
      deadLetter: DeadLetterInfo;
    });

/**
 * A `<channel>.dead` channel. Its messages are never dead-lettered again: a handler that keeps
 * failing is retried (backoff capped at `retry.maxDelayMs`), and one that throws
 * DeadLetterError discards the dead letter.
 */
export interface DeadLetterChannel<T> {
  /** `<channel>.dead`. */
  readonly name: string;
  /** Publishes to the dead-letter channel like to any other (for example, to re-drive by hand). */
  publish(payload: unknown, options?: BasePublishOptions): Promise<void>;
  /** Reads the dead letters as subscriber group `group`; a failing handler is retried, never dead-lettered again. */
  subscribe(group: string, handler: (letter: DeadLetter<T>) => unknown, options?: SubscribeOptions): Promise<Subscription>;
}

/** Options of `subscribe()`, `respond()` and `replay()`. */
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

/** A live subscription. Resolved once a message published afterwards will reach it. */
export interface Subscription {
  /** Stops receiving, waits for in-flight handlers (bounded), then acks/commits. Idempotent. */
  close(): Promise<void>;
  /** True once `close()` was called. */
  readonly closed: boolean;
  /** Whether it is making progress right now. */
  readonly status: SubscriptionStatus;
}

/** Where a replay starts: the oldest retained message, a `message.position` (inclusive), or a time. */
export type ReplayFromOption =
  | 'earliest'
  | {
      /** A `message.position` seen before; the replay starts with that message. */
      position: string;
    }
  | {
      /** The first message published at or after this time. */
      timestamp: Date;
    };

/** What every channel offers: publish and subscribe. */
export interface ChannelBase<TIn, TOut, P> {
  /** The channel's name. */
  readonly name: string;
  /** Validates, encodes and resolves once the broker confirmed the message. */
  publish(payload: TIn, options?: P): Promise<void>;
  /** Joins subscriber `group`: every group gets every message; members of one group share them. */
  subscribe(group: string, handler: Handler<TOut>, options?: SubscribeOptions): Promise<Subscription>;
}

/** `request` / `respond`, on channels that declared `requestReply`. */
export interface RequestReplyApi<TIn, TOut, RIn, ROut> {
  /** Sends a request and resolves with the reply payload. Rejects with TimeoutError / NoResponderError. */
  request(payload: TIn, options?: { timeoutMs?: number; key?: string; headers?: Record<string, string> }): Promise<ROut>;
  /** Answers requests; the handler's return value is the reply. */
  respond(handler: (message: Message<TOut>) => RIn | Promise<RIn>, options?: SubscribeOptions): Promise<Subscription>;
}

/** `replay`, on channels that declared `replay`. */
export interface ReplayApi<TOut> {
  /** Delivers retained history from `from`, then continues live. Moves no group's position. */
  replay(options: { from: ReplayFromOption }, handler: Handler<TOut>, subscribe?: SubscribeOptions): Promise<Subscription>;
}

/** A channel's API, shaped by its declaration. */
export type Channel<S = {}> = ChannelBase<PayloadIn<S>, PayloadOut<S>, PublishOptions<RequiresOf<S>>> &
  (Declared<RequiresOf<S>, 'requestReply'> extends true ? RequestReplyApi<PayloadIn<S>, PayloadOut<S>, ReplyIn<S>, ReplyOut<S>> : {}) &
  (Declared<RequiresOf<S>, 'replay'> extends true ? ReplayApi<PayloadOut<S>> : {});

/** A connected bus: channels typed from the declarations given to `connect()`. */
export interface Bus<C extends Record<string, ChannelSpec> = {}> {
  /** The dead-letter channel of a declared channel: letters typed from the original declaration. */
  channel<N extends keyof C & string>(name: `${N}.dead`): DeadLetterChannel<PayloadOut<C[N]>>;
  /** A declared channel, typed from its declaration. */
  channel<N extends keyof C & string>(name: N): N extends `${string}.dead` ? DeadLetterChannel<PayloadOut<C[N]>> : Channel<C[N]>;
  /** Any other channel; `spec` is checked against the backend like a declared one. */
  channel<const S extends ChannelSpec = {}>(name: string, spec?: S): Channel<S>;
  /** The backend's own capability report. */
  readonly capabilities: CapabilityReport;
  /** The backend's name: 'memory', 'rabbitmq', 'kafka'. */
  readonly backend: string;
  /** Per channel: what was chosen, emulated and degraded. */
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
  /** True once `close()` was called. */
  readonly closed: boolean;
}
