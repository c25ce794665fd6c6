import { isDeclared, type CapabilityName } from './capabilities.js';
import type { ChannelPlan } from './capability-check.js';
import { bindingFor, type EnvelopeBinding } from './cloudevents.js';
import { resolveCodec, type PayloadCodec } from './codec.js';
import { parseConfig, SubscribeOptionsSchema, ChannelNameSchema, type ResolvedChannelSpec } from './config.js';
import { deadLetterTarget, isDeadLetterChannel, originalChannelOf } from './dead-letter.js';
import { Dispatcher } from './dispatcher.js';
import { createDeliveryRunner, createResponderRunner, type RunnerContext } from './delivery-runner.js';
import { decodeMessage, encodeMessage, HEADERS } from './envelope.js';
import { CapabilityError, ConfigError, MessageTooLargeError, RemoteError, TimeoutError } from './errors.js';
import { withDeadline } from './deadline.js';
import { createDeadLetterDecoder, createMessageDecoder, payloadRules, type MessageDecoder } from './message-decoder.js';
import { PublishBatcher } from './publish-batcher.js';
import type { Backend, ConsumeOptions, ConsumerHandle, Delivery, DeliverFn, ReplayFrom, WireMessage } from './spi.js';
import { ActiveSubscription } from './subscription.js';
import { StatusTracker } from './subscription-status.js';
import type { BasePublishOptions, Handler, Message, ReplayFromOption, SubscribeOptions, Subscription, SubscriptionStatus } from './types.js';
import { validatePayload, type SafeParser } from './validation.js';
import type { BusEvents } from './bus-events.js';
import type { BusTelemetry } from './telemetry/bus-telemetry.js';
import type { MessagingTracer } from './telemetry/messaging-tracer.js';
import { checkHandler, checkHeaders, checkKey, checkMs, checkOptionsObject, checkText, unencodable } from './argument-checks.js';

/** What a channel needs from the bus that owns it. */
export interface ChannelHost {
  readonly adapter: Backend;
  readonly source: string;
  readonly closeTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Deadline of every publish, from the call to the broker's confirm. */
  readonly publishTimeoutMs: number;
  readonly logger: import('./logger.js').Logger;
  /** Throws ClosedError once close() started: no new subscriptions. */
  assertOpen(): void;
  /** Throws ClosedError once the subscriptions drained: handlers may still publish while close() drains them. */
  assertCanPublish(): void;
  /** Creates broker topology for a channel once (memoised). */
  ensure(name: string): Promise<void>;
  track(subscription: ActiveSubscription): void;
  /** The declaration of a channel this bus knows (dead-letter channels read their letters with the original's). */
  specOf(name: string): ResolvedChannelSpec | undefined;
  /** Where subscriptions report their state changes (`bus.on('subscription')`). */
  readonly events: BusEvents;
  /** Tracing and metrics; undefined while OpenTelemetry is off. */
  readonly telemetry: BusTelemetry | undefined;
}

const PUBLISH_OPTION_CAPABILITY: Record<string, CapabilityName | null> = {
  key: null,
  headers: null,
  type: null,
  id: null,
  subject: null,
  traceparent: null,
  tracestate: null,
  priority: 'priority',
  delayMs: 'delayedDelivery',
  ttlMs: 'messageTtl',
};

/** Every publish option; which of them a channel accepts is checked against its declaration. */
type AnyPublishOptions = BasePublishOptions & { priority?: number; delayMs?: number; ttlMs?: number };

/** One channel of a bus. The public `Channel<S>` type narrows which of these methods a caller sees. */
export class ChannelRuntime {
  private readonly batcher: PublishBatcher;
  private readonly prefix: string;
  private readonly binding: EnvelopeBinding;
  private readonly codec: PayloadCodec;
  /** Undefined unless a tracer provider was registered at connect(): the publish hot path checks only this. */
  private readonly tracer: MessagingTracer | undefined;
  private ready = false;

  constructor(
    readonly name: string,
    private readonly spec: ResolvedChannelSpec,
    private readonly plan: ChannelPlan,
    private readonly host: ChannelHost,
  ) {
    this.prefix = host.adapter.binding.headerPrefix;
    this.binding = bindingFor(this.prefix, host.adapter.binding.readPrefixes);
    this.codec = resolveCodec(spec.codec, name);
    this.tracer = host.telemetry?.tracer;
    const send = (messages: WireMessage[]): Promise<void> => host.adapter.publish(name, messages);
    const metrics = host.telemetry?.metrics;
    this.batcher = new PublishBatcher(metrics === undefined ? send : metrics.measureSend(name, 'publish', send), host.publishTimeoutMs, name);
  }

  private get schema(): SafeParser | undefined {
    return this.spec.schema as SafeParser | undefined;
  }

  private requireDeclared(capability: CapabilityName, used: string): void {
    if (!isDeclared(this.spec.requires, capability)) {
      throw new CapabilityError(
        `${used} used on channel ${this.name} but not declared: add requires: { ${capability}: true } to the channel's declaration`,
      );
    }
  }

  /** True when the backend lacks a `'preferred'` capability and the channel runs without it. */
  private degraded(capability: CapabilityName): boolean {
    return this.plan.capabilities[capability]?.degraded === true;
  }

  private async whenReady(): Promise<void> {
    if (this.ready) return;
    await this.host.ensure(this.name);
    this.ready = true;
  }

  private encode(payload: unknown, options: AnyPublishOptions | undefined, what: 'published' | 'request'): WireMessage {
    const checked = this.schema === undefined ? payload : validatePayload(this.schema, payload, this.name, what);
    let wire: WireMessage;
    try {
      wire = encodeMessage(checked, this.host.source, options?.type ?? this.name, this.prefix, options, this.codec);
    } catch (error) {
      throw unencodable(this.name, error);
    }
    const limit = this.host.adapter.maxMessageBytes;
    if (limit !== undefined) {
      let size = wire.body.length + (wire.key?.length ?? 0);
      for (const name in wire.headers) size += name.length + (wire.headers[name]?.length ?? 0);
      if (size > limit) {
        throw new MessageTooLargeError(
          `Message of ${size} bytes on channel "${this.name}" exceeds the ${this.host.adapter.name} limit of ${limit} bytes; ` +
            'send a reference (URL, object key) instead of the payload, or raise the broker limit and the backend option',
          size,
          limit,
        );
      }
    }
    return wire;
  }

  /** Checks every publish option before anything is encoded, so a bad value never reaches a batch. */
  private checkOptions(options: AnyPublishOptions | undefined): void {
    checkOptionsObject(options, `publish options on channel ${this.name}`);
    if (options === undefined) return;
    for (const option in options) {
      const capability = PUBLISH_OPTION_CAPABILITY[option];
      if (capability === undefined) {
        throw new ConfigError(`Unknown publish option "${option}" on channel ${this.name}; valid: ${Object.keys(PUBLISH_OPTION_CAPABILITY).join(', ')}`);
      }
      if (capability === null || (options as Record<string, unknown>)[option] === undefined) continue;
      this.requireDeclared(capability, option);
    }
    if (options.key !== undefined) checkKey(options.key, this.name);
    if (options.headers !== undefined) checkHeaders(options.headers, this.name);
    for (const name of ['id', 'type', 'subject', 'traceparent', 'tracestate'] as const) {
      if (options[name] !== undefined) checkText(options[name], `${name} on channel ${this.name}`);
    }
    if (options.priority !== undefined) {
      const p = options.priority;
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > this.spec.maxPriority) {
        throw new ConfigError(`priority ${String(p)} on channel ${this.name} is out of range: use an integer 0..${this.spec.maxPriority} (maxPriority)`);
      }
    }
    if (options.delayMs !== undefined) checkMs(options.delayMs, `delayMs on channel ${this.name}`, 0);
    if (options.ttlMs !== undefined) checkMs(options.ttlMs, `ttlMs on channel ${this.name}`, 1);
  }

  /** The declared per-message semantics, unless the channel runs without them ('preferred' and absent). */
  private applyOptions(wire: WireMessage, options: AnyPublishOptions | undefined): void {
    if (options === undefined) return;
    if (options.priority !== undefined && !this.degraded('priority')) wire.priority = options.priority;
    if (options.delayMs !== undefined && !this.degraded('delayedDelivery')) wire.delayMs = options.delayMs;
    if (options.ttlMs !== undefined && !this.degraded('messageTtl')) {
      wire.ttlMs = options.ttlMs;
      // Checked by every consumer before its handler, whatever buffered the message (a prefetch
      // buffer, a Kafka log that has no expiry): the broker's own expiry stays where it exists.
      wire.headers[HEADERS.expiresAt] = String(wire.timestamp + (wire.delayMs ?? 0) + options.ttlMs);
    }
  }

  publish(payload: unknown, options?: AnyPublishOptions): Promise<void> {
    const tracer = this.tracer;
    // A malformed options argument goes straight to the checks, which explain it.
    if (tracer === undefined || (options !== undefined && (typeof options !== 'object' || options === null))) return this.send(payload, options);
    try {
      return tracer.publish(this.name, 'publish', options as Record<string, unknown> | undefined, (traced) => this.send(payload, traced as AnyPublishOptions));
    } catch (error) {
      // Nothing a caller passes may throw outside the promise it gets (a getter in the options, say).
      return Promise.reject(error);
    }
  }

  private send(payload: unknown, options: AnyPublishOptions | undefined): Promise<void> {
    // Not async: on the hot path the batch's shared promise is returned as is.
    let wire: WireMessage;
    try {
      this.host.assertCanPublish();
      this.checkOptions(options);
      wire = this.encode(payload, options, 'published');
      this.applyOptions(wire, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.ready) {
      try {
        this.host.adapter.checkMessage?.(this.name, wire);
      } catch (error) {
        return Promise.reject(error);
      }
      return this.batcher.add(wire);
    }
    // The first publish waits for the channel's topology; the deadline covers that wait too.
    return this.batcher.afterReady(this.whenReady().then(() => this.host.adapter.checkMessage?.(this.name, wire)), wire);
  }

  /** Resolves once every publish issued so far has settled (close() waits for it, bounded). */
  idle(): Promise<void> {
    return this.batcher.idle();
  }

  /** How this channel's subscribers read messages; a dead-letter channel reads them like its original channel. */
  private decoder(): MessageDecoder {
    const own = payloadRules(this.name, this.spec);
    // Every subscription of this channel decodes alike: a message fanned out to several of them is read once.
    if (!isDeadLetterChannel(this.name)) return createMessageDecoder(this.name, this.binding, own, this);
    const originalName = originalChannelOf(this.name);
    const original = this.host.specOf(originalName);
    return createDeadLetterDecoder(this.name, this.binding, own, original === undefined ? undefined : payloadRules(originalName, original));
  }

  private runnerContext(group: string | undefined, retry: RunnerContext['retry'], signal: AbortSignal): RunnerContext {
    const telemetry = this.host.telemetry;
    const deadChannel = deadLetterTarget(this.name);
    const publish = (messages: WireMessage[]): Promise<void> => this.host.adapter.publish(deadChannel as string, messages);
    const publishDead = telemetry?.metrics === undefined || deadChannel === undefined ? publish : telemetry.metrics.measureSend(deadChannel, 'publish', publish);
    return {
      ...(telemetry !== undefined && { telemetry: telemetry.subscription(this.name, group) }),
      channel: this.name,
      ...(group !== undefined && { group }),
      prefix: this.prefix,
      ...(this.schema !== undefined && { schema: this.schema }),
      decode: this.decoder(),
      retry,
      logger: this.host.logger,
      signal,
      ...(deadChannel !== undefined && {
        deadLetter: (dead: WireMessage) => {
          const sent = this.host.ensure(deadChannel).then(() => publishDead([dead]));
          return withDeadline(sent, this.host.publishTimeoutMs, () => new TimeoutError(`Dead letter to channel "${deadChannel}" not confirmed within ${this.host.publishTimeoutMs} ms (publishTimeoutMs)`));
        },
      }),
    };
  }

  private async start(
    kind: SubscriptionStatus['kind'],
    group: string | undefined,
    options: SubscribeOptions | undefined,
    makeRunner: (ctx: RunnerContext) => (delivery: Delivery) => Promise<void> | undefined,
    open: (deliver: DeliverFn, consume: ConsumeOptions) => Promise<ConsumerHandle>,
  ): Promise<Subscription> {
    this.host.assertOpen();
    const parsed = parseConfig(SubscribeOptionsSchema, options ?? {}, `subscribe options for channel ${this.name}`);
    await this.whenReady();
    const abort = new AbortController();
    const runner = makeRunner(this.runnerContext(group, parsed.retry, abort.signal));
    const orderedByKey = isDeclared(this.spec.requires, 'orderedByKey');
    const dispatcher = new Dispatcher<Delivery>(runner, parsed.concurrency, orderedByKey);
    const onStatus = options?.onStatus;
    const events = this.host.events;
    const listener = (status: SubscriptionStatus): void => {
      try {
        onStatus?.(status);
      } finally {
        events.subscription(status);
      }
    };
    const tracker = new StatusTracker({ channel: this.name, group, kind }, listener, this.host.logger);
    const handle = await open((delivery) => dispatcher.push(delivery), { concurrency: parsed.concurrency, orderedByKey, status: tracker.report });
    const subscription = new ActiveSubscription(handle, dispatcher, abort, parsed.drainTimeoutMs ?? this.host.closeTimeoutMs, this.host.logger, this.name, tracker);
    this.host.track(subscription);
    return subscription;
  }

  async subscribe(group: string, handler: Handler<unknown>, options?: SubscribeOptions): Promise<Subscription> {
    parseConfig(ChannelNameSchema, group, `group name on channel ${this.name}`);
    checkHandler(handler, `subscribe() on channel ${this.name}`);
    return this.start('subscribe', group, options, (ctx) => createDeliveryRunner(ctx, handler), (deliver, consume) =>
      this.host.adapter.consume(this.name, group, consume, deliver),
    );
  }

  async replay(options: { from: ReplayFromOption }, handler: Handler<unknown>, subscribe?: SubscribeOptions): Promise<Subscription> {
    this.requireDeclared('replay', 'replay()');
    checkHandler(handler, `replay() on channel ${this.name}`);
    const replay = this.host.adapter.replay;
    if (replay === undefined || this.degraded('replay')) throw new CapabilityError(`replay() on channel ${this.name}: the ${this.host.adapter.name} backend cannot replay`);
    const from = toReplayFrom(options?.from);
    return this.start('replay', undefined, subscribe, (ctx) => createDeliveryRunner(ctx, handler), (deliver, consume) =>
      replay.call(this.host.adapter, this.name, from, consume, deliver),
    );
  }

  async respond(handler: (message: Message<unknown>) => unknown, options?: SubscribeOptions): Promise<Subscription> {
    this.requireDeclared('requestReply', 'respond()');
    checkHandler(handler, `respond() on channel ${this.name}`);
    const respond = this.host.adapter.respond;
    if (respond === undefined || this.degraded('requestReply')) throw new CapabilityError(`respond() on channel ${this.name}: the ${this.host.adapter.name} backend has no request/reply`);
    return this.start(
      'respond',
      undefined,
      options,
      (ctx) => createResponderRunner(ctx, handler, this.host.source, this.spec.replySchema as SafeParser | undefined),
      (deliver, consume) => respond.call(this.host.adapter, this.name, consume, deliver),
    );
  }

  request(payload: unknown, options?: { timeoutMs?: number; key?: string; headers?: Record<string, string> }): Promise<unknown> {
    const tracer = this.tracer;
    if (tracer === undefined) return this.sendRequest(payload, options, undefined);
    const envelope = typeof options === 'object' && options !== null ? { key: options.key } : undefined;
    return tracer.publish(this.name, 'request', envelope, (traced) => this.sendRequest(payload, options, traced));
  }

  private async sendRequest(
    payload: unknown,
    options: { timeoutMs?: number; key?: string; headers?: Record<string, string> } | undefined,
    trace: Record<string, unknown> | undefined,
  ): Promise<unknown> {
    this.host.assertCanPublish();
    this.requireDeclared('requestReply', 'request()');
    const request = this.host.adapter.request;
    if (request === undefined || this.degraded('requestReply')) throw new CapabilityError(`request() on channel ${this.name}: the ${this.host.adapter.name} backend has no request/reply`);
    checkOptionsObject(options, `request options on channel ${this.name}`);
    for (const option in options) {
      if (!REQUEST_OPTIONS.has(option)) throw new ConfigError(`Unknown request option "${option}" on channel ${this.name}; valid: ${[...REQUEST_OPTIONS].join(', ')}`);
    }
    const timeoutMs = options?.timeoutMs === undefined ? this.host.requestTimeoutMs : checkMs(options.timeoutMs, `timeoutMs of request() on channel ${this.name}`, 1);
    const envelope: AnyPublishOptions = {};
    if (options?.key !== undefined) envelope.key = options.key;
    if (options?.headers !== undefined) envelope.headers = options.headers;
    // Only the trace context the request span adds: id, traceparent, tracestate.
    if (trace !== undefined) {
      for (const name of ['id', 'traceparent', 'tracestate'] as const) if (typeof trace[name] === 'string') envelope[name] = trace[name];
    }
    this.checkOptions(envelope);
    const wire = this.encode(payload, envelope, 'request');
    // The backend times the request out itself (with its own explanation); this bound only makes
    // sure no backend path (a stalled topology declare or publish) outlives the caller's timeout.
    const reply = await withDeadline(
      this.whenReady().then(() => {
        this.host.adapter.checkMessage?.(this.name, wire);
        return request.call(this.host.adapter, this.name, wire, { timeoutMs });
      }),
      timeoutMs + REQUEST_GUARD_MS,
      () => new TimeoutError(`No reply on channel "${this.name}" within ${timeoutMs} ms (timeoutMs)`),
    );
    const remoteError = reply.headers[HEADERS.replyError];
    if (remoteError !== undefined) {
      throw new RemoteError(`Responder on channel "${this.name}" failed: ${remoteError}`);
    }
    const decoded = decodeMessage(reply, this.binding);
    const replySchema = this.spec.replySchema as SafeParser | undefined;
    return replySchema === undefined ? decoded.payload : validatePayload(replySchema, decoded.payload, this.name, 'reply');
  }
}

const REQUEST_OPTIONS = new Set(['timeoutMs', 'key', 'headers']);
/** Grace past a request's timeout before core gives up on a backend that did not time it out itself. */
const REQUEST_GUARD_MS = 250;

function toReplayFrom(from: ReplayFromOption | undefined): ReplayFrom {
  if (from === 'earliest') return from;
  if (typeof from === 'object' && from !== null) {
    if ('position' in from && typeof from.position === 'string') return { position: from.position };
    if ('timestamp' in from && from.timestamp instanceof Date && !Number.isNaN(from.timestamp.getTime())) return { timestamp: from.timestamp };
  }
  throw new ConfigError("replay({ from }) takes 'earliest', { position: message.position } or { timestamp: Date }");
}
