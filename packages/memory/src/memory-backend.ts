import {
  isDeclared,
  CapabilityError,
  ClosedError,
  ConfigError,
  type Backend,
  type CapabilityName,
  type CapabilityCatalog,
  type CapabilityReport,
  type CapabilitySupport,
  type ChannelSetup,
  type ConsumeOptions,
  type ConsumerHandle,
  type Delivery,
  type DeliverFn,
  type Logger,
  type ReplayFrom,
  type RequestOptions,
  type Requirements,
  type WireMessage,
} from '@switchboard/core';
import { brokerRegistry, DEFAULT_RETENTION } from './broker-registry.js';
import type { MemoryBroker } from './memory-broker.js';
import { memoryCatalog } from './memory-capabilities.js';
import { profileCatalog } from './profiles.js';
import type { MemoryChannel } from './memory-channel.js';
import type { MemoryConfig } from './memory-options.js';
import type { PendingRequest } from './pending-request.js';

const DONE: Promise<void> = Promise.resolve();

/**
 * The memory backend: one bus's view of an in-process broker (`MemoryBroker`). With a profile it
 * reports, and refuses, exactly what that real backend would.
 */
export class MemoryBackend implements Backend {
  readonly name = 'memory';
  readonly binding = {
    /** CloudEvents attributes use the Kafka binding's `ce_` names in memory too. */
    headerPrefix: 'ce_',
  } as const;
  readonly capabilities: CapabilityReport;
  private readonly catalog: CapabilityCatalog;
  readonly maxMessageBytes: number | undefined;
  private broker: MemoryBroker | undefined;
  private closed = false;
  private readonly handles = new Set<ConsumerHandle>();
  private readonly requests = new Set<PendingRequest>();

  constructor(
    private readonly config: MemoryConfig,
    private readonly logger: Logger,
  ) {
    this.catalog = config.profile === undefined ? memoryCatalog(config.retention ?? DEFAULT_RETENTION) : profileCatalog(config.profile);
    this.capabilities = this.catalog.capabilities;
    this.maxMessageBytes = config.maxMessageBytes;
  }

  /** With a profile, that backend's own per-channel rules; none of its own. */
  channelCapabilities(channel: string, requires: Requirements, options?: Record<string, unknown>): Partial<Record<CapabilityName, CapabilitySupport>> {
    return this.catalog.channelCapabilities?.(channel, requires, options) ?? {};
  }

  async connect(): Promise<void> {
    if (this.closed) throw new ClosedError('This memory backend was closed; connect() again for a new one');
    this.broker ??= brokerRegistry.acquire({
      name: this.config.brokerName,
      retention: this.config.retention,
      clock: this.config.clock,
      logger: this.logger,
    });
  }

  async ensureChannel(setup: ChannelSetup): Promise<void> {
    const retention = setup.options['retention'];
    if (retention !== undefined && !(Number.isInteger(retention) && (retention as number) >= 0)) {
      throw new ConfigError(`channel "${setup.name}": options.retention must be an integer >= 0 (messages the memory backend retains for replay)`);
    }
    const replays = isDeclared(setup.requires, 'replay');
    const channel = this.live().channel(setup.name, replays ? ((retention as number | undefined) ?? this.live().retention) : undefined);
    // Declared groups exist from now on and keep every message until their first subscriber.
    for (const group of setup.groups) channel.group(group);
  }

  publish(channel: string, messages: WireMessage[]): Promise<void> {
    try {
      this.refuseUnsupported(channel, messages);
      this.live().channel(channel).publish(messages);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async consume(channel: string, group: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const target = this.live().channel(channel).group(group);
    // Ordered channels retry in place (core holds the key) so a retry cannot be overtaken.
    const member = target.join(deliver, options.concurrency, options.orderedByKey ? 'plain' : 'retryable', options.orderedByKey);
    return this.track({ stop: async () => member.stop(), close: async () => member.close() });
  }

  async replay(channel: string, from: ReplayFrom, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const target = this.live().channel(channel);
    const reader = target.openReader(startSeq(target, from), deliver, options.concurrency);
    return this.track({ stop: async () => target.closeReader(reader), close: async () => target.closeReader(reader) });
  }

  request(channel: string, message: WireMessage, options: RequestOptions): Promise<Delivery> {
    try {
      return this.live().channel(channel).request(message, options.timeoutMs, this.requests);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async respond(channel: string, options: ConsumeOptions, deliver: DeliverFn): Promise<ConsumerHandle> {
    const responders = this.live().channel(channel).responders;
    const member = responders.join(deliver, options.concurrency, 'request', false);
    return this.track({ stop: async () => member.stop(), close: async () => member.close() });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Core closed its subscriptions already; anything left (a failed drain) gives its messages back.
    await Promise.all([...this.handles].map((handle) => handle.close()));
    for (const request of [...this.requests]) request.fail(new ClosedError('The bus closed before the reply arrived'));
    if (this.broker !== undefined) brokerRegistry.release(this.broker);
    this.broker = undefined;
  }

  private live(): MemoryBroker {
    if (this.closed) throw new ClosedError('The memory backend is closed');
    if (this.broker === undefined) throw new ClosedError('The memory backend is not connected; use connect()');
    return this.broker;
  }

  private track(handle: ConsumerHandle): ConsumerHandle {
    const tracked: ConsumerHandle = {
      stop: () => handle.stop(),
      close: async () => {
        this.handles.delete(tracked);
        await handle.close();
      },
    };
    this.handles.add(tracked);
    return tracked;
  }

  /** A profile refuses what its backend cannot carry, even from callers that bypass core. */
  private refuseUnsupported(channel: string, messages: WireMessage[]): void {
    if (this.config.profile === undefined) return;
    for (const message of messages) {
      if (message.priority !== undefined) this.refuse('priority', channel);
      if (message.delayMs !== undefined) this.refuse('delayedDelivery', channel);
      if (message.ttlMs !== undefined) this.refuse('messageTtl', channel);
    }
  }

  private refuse(capability: CapabilityName, channel: string): void {
    const offered = this.capabilities[capability];
    if (offered.support === 'unsupported') throw new CapabilityError(`${capability} used on channel ${channel}, but ${offered.detail}`);
  }
}

function startSeq(channel: MemoryChannel, from: ReplayFrom): number {
  if (from === 'earliest') return channel.log.firstSeq;
  if (from === 'latest') return channel.log.nextSeq;
  if ('timestamp' in from) return channel.log.seqAtOrAfter(from.timestamp.getTime());
  if (!/^\d{1,15}$/.test(from.position)) {
    throw new ConfigError(`replay position "${from.position}" is not a memory backend position; pass message.position from this channel`);
  }
  // A position past the end (from another broker's lifetime) continues live, like an out-of-range offset.
  return Math.min(Number(from.position), channel.log.nextSeq);
}
