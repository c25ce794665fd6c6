import { isDeclared, type CapabilityName } from './capabilities.js';
import type { ChannelPlan } from './capability-check.js';
import { bindingFor, type EnvelopeBinding } from './cloudevents.js';
import { resolveCodec, type PayloadCodec } from './codec.js';
import { parseConfig, SubscribeOptionsSchema, ChannelNameSchema, type ResolvedChannelSpec } from './config.js';
import { deadLetterTarget, isDeadLetterChannel, originalChannelOf } from './dead-letter.js';
import { Dispatcher } from './dispatcher.js';
import { createDeliveryRunner, createResponderRunner, type RunnerContext } from './delivery-runner.js';
import { decodeMessage, encodeMessage, HEADERS } from './envelope.js';
import { CapabilityError, ConfigError, MessageTooLargeError, RemoteError } from './errors.js';
import { createDeadLetterDecoder, createMessageDecoder, payloadRules, type MessageDecoder } from './message-decoder.js';
import { PublishBatcher } from './publish-batcher.js';
import type { Backend, ConsumerHandle, Delivery, DeliverFn, ReplayFrom, WireMessage } from './spi.js';
import { ActiveSubscription } from './subscription.js';
import type { BasePublishOptions, Handler, Message, ReplayFromOption, SubscribeOptions, Subscription } from './types.js';
import { validatePayload, type SafeParser } from './validation.js';

/** What a channel needs from the bus that owns it. */
export interface ChannelHost {
  readonly adapter: Backend;
  readonly source: string;
  readonly closeTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly logger: import('./logger.js').Logger;
  assertOpen(): void;
  /** Creates broker topology for a channel once (memoised). */
  ensure(name: string): Promise<void>;
  track(subscription: ActiveSubscription): void;
  /** The declaration of a channel this bus knows (dead-letter channels read their letters with the original's). */
  specOf(name: string): ResolvedChannelSpec | undefined;
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
    this.batcher = new PublishBatcher((messages) => host.adapter.publish(name, messages));
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
    const wire = encodeMessage(checked, this.host.source, options?.type ?? this.name, this.prefix, options, this.codec);
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

  private applyOptions(wire: WireMessage, options: AnyPublishOptions | undefined): void {
    if (options === undefined) return;
    for (const option in options) {
      const capability = PUBLISH_OPTION_CAPABILITY[option];
      if (capability === undefined) {
        throw new ConfigError(`Unknown publish option "${option}" on channel ${this.name}; valid: ${Object.keys(PUBLISH_OPTION_CAPABILITY).join(', ')}`);
      }
      if (capability === null || (options as Record<string, unknown>)[option] === undefined) continue;
      this.requireDeclared(capability, option);
    }
    if (options.priority !== undefined && !this.degraded('priority')) {
      const p = options.priority;
      if (!Number.isInteger(p) || p < 0 || p > this.spec.maxPriority) {
        throw new ConfigError(`priority ${p} on channel ${this.name} is out of range: use an integer 0..${this.spec.maxPriority} (maxPriority)`);
      }
      wire.priority = p;
    }
    if (options.delayMs !== undefined && !this.degraded('delayedDelivery')) {
      if (!(options.delayMs >= 0)) throw new ConfigError(`delayMs on channel ${this.name} must be a number >= 0`);
      wire.delayMs = Math.round(options.delayMs);
    }
    if (options.ttlMs !== undefined && !this.degraded('messageTtl')) {
      if (!(options.ttlMs > 0)) throw new ConfigError(`ttlMs on channel ${this.name} must be a number > 0`);
      wire.ttlMs = Math.round(options.ttlMs);
    }
  }

  publish(payload: unknown, options?: AnyPublishOptions): Promise<void> {
    // Not async: on the hot path the batch's shared promise is returned as is.
    let wire: WireMessage;
    try {
      this.host.assertOpen();
      wire = this.encode(payload, options, 'published');
      this.applyOptions(wire, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.ready ? this.batcher.add(wire) : this.whenReady().then(() => this.batcher.add(wire));
  }

  /** How this channel's subscribers read messages; a dead-letter channel reads them like its original channel. */
  private decoder(): MessageDecoder {
    const own = payloadRules(this.name, this.spec);
    if (!isDeadLetterChannel(this.name)) return createMessageDecoder(this.name, this.binding, own);
    const originalName = originalChannelOf(this.name);
    const original = this.host.specOf(originalName);
    return createDeadLetterDecoder(this.name, this.binding, own, original === undefined ? undefined : payloadRules(originalName, original));
  }

  private runnerContext(group: string | undefined, retry: RunnerContext['retry'], signal: AbortSignal): RunnerContext {
    const deadChannel = deadLetterTarget(this.name);
    return {
      channel: this.name,
      ...(group !== undefined && { group }),
      prefix: this.prefix,
      ...(this.schema !== undefined && { schema: this.schema }),
      decode: this.decoder(),
      retry,
      logger: this.host.logger,
      signal,
      ...(deadChannel !== undefined && {
        deadLetter: async (dead: WireMessage) => {
          await this.host.ensure(deadChannel);
          await this.host.adapter.publish(deadChannel, [dead]);
        },
      }),
    };
  }

  private async start(
    group: string | undefined,
    options: SubscribeOptions | undefined,
    makeRunner: (ctx: RunnerContext) => (delivery: Delivery) => Promise<void>,
    open: (deliver: DeliverFn, concurrency: number) => Promise<ConsumerHandle>,
  ): Promise<Subscription> {
    this.host.assertOpen();
    const parsed = parseConfig(SubscribeOptionsSchema, options ?? {}, `subscribe options for channel ${this.name}`);
    await this.whenReady();
    const abort = new AbortController();
    const runner = makeRunner(this.runnerContext(group, parsed.retry, abort.signal));
    const dispatcher = new Dispatcher<Delivery>(runner, parsed.concurrency, isDeclared(this.spec.requires, 'orderedByKey'));
    const handle = await open((delivery) => dispatcher.push(delivery), parsed.concurrency);
    const subscription = new ActiveSubscription(handle, dispatcher, abort, parsed.drainTimeoutMs ?? this.host.closeTimeoutMs, this.host.logger, this.name);
    this.host.track(subscription);
    return subscription;
  }

  private consumeOptions(concurrency: number) {
    return { concurrency, orderedByKey: isDeclared(this.spec.requires, 'orderedByKey') };
  }

  subscribe(group: string, handler: Handler<unknown>, options?: SubscribeOptions): Promise<Subscription> {
    parseConfig(ChannelNameSchema, group, `group name on channel ${this.name}`);
    return this.start(group, options, (ctx) => createDeliveryRunner(ctx, handler), (deliver, concurrency) =>
      this.host.adapter.consume(this.name, group, this.consumeOptions(concurrency), deliver),
    );
  }

  async replay(options: { from: ReplayFromOption }, handler: Handler<unknown>, subscribe?: SubscribeOptions): Promise<Subscription> {
    this.requireDeclared('replay', 'replay()');
    const replay = this.host.adapter.replay;
    if (replay === undefined || this.degraded('replay')) throw new CapabilityError(`replay() on channel ${this.name}: the ${this.host.adapter.name} backend cannot replay`);
    const from = toReplayFrom(options?.from);
    return this.start(undefined, subscribe, (ctx) => createDeliveryRunner(ctx, handler), (deliver, concurrency) =>
      replay.call(this.host.adapter, this.name, from, this.consumeOptions(concurrency), deliver),
    );
  }

  async respond(handler: (message: Message<unknown>) => unknown, options?: SubscribeOptions): Promise<Subscription> {
    this.requireDeclared('requestReply', 'respond()');
    const respond = this.host.adapter.respond;
    if (respond === undefined || this.degraded('requestReply')) throw new CapabilityError(`respond() on channel ${this.name}: the ${this.host.adapter.name} backend has no request/reply`);
    return this.start(
      undefined,
      options,
      (ctx) => createResponderRunner(ctx, handler, this.host.source, this.spec.replySchema as SafeParser | undefined),
      (deliver, concurrency) => respond.call(this.host.adapter, this.name, this.consumeOptions(concurrency), deliver),
    );
  }

  async request(payload: unknown, options?: { timeoutMs?: number; key?: string; headers?: Record<string, string> }): Promise<unknown> {
    this.host.assertOpen();
    this.requireDeclared('requestReply', 'request()');
    const request = this.host.adapter.request;
    if (request === undefined || this.degraded('requestReply')) throw new CapabilityError(`request() on channel ${this.name}: the ${this.host.adapter.name} backend has no request/reply`);
    const wire = this.encode(payload, { ...(options?.key !== undefined && { key: options.key }), ...(options?.headers !== undefined && { headers: options.headers }) }, 'request');
    await this.whenReady();
    const reply = await request.call(this.host.adapter, this.name, wire, { timeoutMs: options?.timeoutMs ?? this.host.requestTimeoutMs });
    const remoteError = reply.headers[HEADERS.replyError];
    if (remoteError !== undefined) {
      throw new RemoteError(`Responder on channel "${this.name}" failed: ${remoteError}`);
    }
    const decoded = decodeMessage(reply, this.binding);
    const replySchema = this.spec.replySchema as SafeParser | undefined;
    return replySchema === undefined ? decoded.payload : validatePayload(replySchema, decoded.payload, this.name, 'reply');
  }
}

function toReplayFrom(from: ReplayFromOption | undefined): ReplayFrom {
  if (from === 'earliest') return from;
  if (typeof from === 'object' && from !== null) {
    if ('position' in from && typeof from.position === 'string') return { position: from.position };
    if ('timestamp' in from && from.timestamp instanceof Date && !Number.isNaN(from.timestamp.getTime())) return { timestamp: from.timestamp };
  }
  throw new ConfigError("replay({ from }) takes 'earliest', { position: message.position } or { timestamp: Date }");
}
