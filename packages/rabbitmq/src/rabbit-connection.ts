import { connect as amqpConnect, type Channel, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib';
import { ClosedError, ConnectionError, type ConnectionState, type ConnectionStatus, type Logger, type SwitchboardError } from '@switchboard/core';
import type { BrokerEndpoint, BrokerUrl } from './broker-url.js';
import type { RabbitOptions } from './options.js';
import { isConnectionLoss, translateRabbitError } from './rabbit-errors.js';

/** Runs after every reconnect, in registration order: topology first, then consumers. */
export type RecoveryHook = (model: ChannelModel) => Promise<void>;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

// Referenced on purpose: while the bus reconnects, its subscriptions and waiting publishes must keep
// the process alive (an unref'd timer let a subscribe-only worker exit with code 0 on a broker restart).
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Owns the AMQP connection: connects to the first reachable host, and after a drop reconnects with
 * backoff, re-declares topology and resumes consumers through the registered hooks. Everything
 * else asks it for a live model (waiting, bounded, through an outage) instead of keeping one.
 */
export class RabbitConnection {
  /** The connection, once connected; usable by others only when `ready` (topology restored). */
  private model: ChannelModel | undefined;
  private ready = false;
  private reconnecting = false;
  private confirm: Promise<ConfirmChannel> | undefined;
  private up: Deferred = deferred();
  private closing = false;
  private lastError: SwitchboardError | undefined;
  private readonly topologyHooks = new Set<RecoveryHook>();
  private readonly consumerHooks = new Set<RecoveryHook>();
  private blockedReason: string | undefined;
  private unblocked: Deferred | undefined;
  /** Increments on every new connection; deliveries from an older one cannot be settled. */
  generation = 0;
  /** When the last connection loss happened (ms since epoch), for recovery timing. */
  lostAt: number | undefined;
  /** Told about every state change (bus health and `bus.on('connection')`). */
  onStatus: ((status: ConnectionStatus) => void) | undefined;
  /** Told about every message the broker returned as unroutable on the confirm channel. */
  onReturn: ((message: Message) => void) | undefined;
  private state: ConnectionStatus | undefined;

  constructor(
    private readonly url: BrokerUrl,
    private readonly options: RabbitOptions,
    private readonly logger: Logger,
    /** `publish` or `consume`: which of the bus's two connections this is, for names and logs. */
    readonly role: string,
  ) {}

  /** `user@host:port/vhost` of the first endpoint, for messages. */
  get endpoint(): string {
    return (this.url.endpoints[0] as BrokerEndpoint).display;
  }

  /** Why the broker blocks publishers right now (memory or disk alarm), if it does. */
  get blocked(): string | undefined {
    return this.unblocked === undefined ? undefined : (this.blockedReason ?? 'resource alarm');
  }

  /** Why the connection is down, for consumers reporting that they are recovering. */
  lostError(): Error {
    return this.lastError ?? new ConnectionError(`lost the connection to RabbitMQ at ${this.endpoint}`);
  }

  get isOpen(): boolean {
    return this.ready && !this.closing;
  }

  /** For `bus.health()`: ready, lost (reconnecting) or closed, since when, and the last error. */
  get status(): ConnectionStatus {
    return { ...(this.state ?? { name: this.role, state: 'lost', since: new Date(), endpoint: this.endpoint }) };
  }

  private setState(state: ConnectionState): void {
    if (this.state?.state === state) return;
    this.state = { name: this.role, state, since: new Date(), endpoint: this.endpoint, ...(this.lastError !== undefined && { error: this.lastError }) };
    this.onStatus?.({ ...this.state });
  }

  /** Initial connect: one pass over the hosts, each bounded by `connectAttemptTimeoutMs`. */
  async open(): Promise<void> {
    const model = await this.connectAny();
    this.attach(model);
    this.ready = true;
    this.up.resolve();
    this.setState('ready');
  }

  onTopologyRecovery(hook: RecoveryHook): () => void {
    this.topologyHooks.add(hook);
    return () => this.topologyHooks.delete(hook);
  }

  onConsumerRecovery(hook: RecoveryHook): () => void {
    this.consumerHooks.add(hook);
    return () => this.consumerHooks.delete(hook);
  }

  /** The live connection, waiting through an outage until `deadline` (ms since epoch). */
  async current(deadline: number): Promise<ChannelModel> {
    for (;;) {
      if (this.closing) throw new ClosedError('The RabbitMQ connection is closed');
      if (this.ready && this.model !== undefined) return this.model;
      const left = deadline - Date.now();
      if (left <= 0) throw this.unavailable();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.up.promise, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }

  /** Waits while the broker blocks publishers (memory or disk alarm), until `deadline`. */
  async whileBlocked(deadline: number): Promise<void> {
    while (this.unblocked !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ConnectionError(`RabbitMQ at ${this.endpoint} blocks publishers (${this.blockedReason ?? 'resource alarm'}); free memory or disk on the broker`);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.unblocked.promise, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }

  /** The shared publisher-confirms channel of the current connection. */
  async confirmChannel(deadline: number): Promise<ConfirmChannel> {
    const model = await this.current(deadline);
    this.confirm ??= model.createConfirmChannel().then(
      (channel) => {
        channel.on('error', (error: Error) => this.logger.warn('switchboard: RabbitMQ closed the publishing channel', { error: error.message }));
        channel.on('return', (message: Message) => this.onReturn?.(message));
        channel.on('close', () => {
          if (this.model === model) this.confirm = undefined;
        });
        return channel;
      },
      (error: unknown) => {
        this.confirm = undefined;
        throw translateRabbitError(error, { endpoint: this.endpoint, operation: 'opening the publishing channel' });
      },
    );
    return this.confirm;
  }

  /**
   * Drops the shared publisher-confirms channel, if it is still `channel`, so the next publish
   * opens a fresh one. Used after the broker nacked messages: on RabbitMQ 3.10 a channel that
   * first published to a quorum queue while its leader's node was going down keeps routing to the
   * dead leader and the broker nacks every later publish to that queue on that channel; a new
   * channel finds the new leader.
   */
  discardConfirmChannel(channel: ConfirmChannel): void {
    const current = this.confirm;
    if (current === undefined) return;
    void current.then((open) => {
      if (open !== channel) return;
      if (this.confirm === current) this.confirm = undefined;
      open.close().catch(() => {});
    }, () => {});
  }

  /**
   * Runs `work` on a throwaway channel: a failed declare closes only that channel (AMQP closes
   * the channel on 404/406), never the ones publishing or consuming.
   */
  async withChannel<T>(operation: string, deadline: number, work: (channel: Channel) => Promise<T>): Promise<T> {
    for (;;) {
      const model = await this.current(deadline);
      let channel: Channel | undefined;
      try {
        channel = await model.createChannel();
        channel.on('error', () => {});
        const result = await work(channel);
        await channel.close().catch(() => {});
        return result;
      } catch (error) {
        if (channel !== undefined) await channel.close().catch(() => {});
        if (isConnectionLoss(error) && !this.closing && Date.now() < deadline) continue;
        throw translateRabbitError(error, { endpoint: this.endpoint, operation });
      }
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.ready = false;
    this.up.resolve();
    this.unblocked?.resolve();
    const model = this.model;
    this.model = undefined;
    this.setState('closed');
    if (model !== undefined) await model.close().catch(() => {});
  }

  private unavailable(): ConnectionError {
    const last = this.lastError === undefined ? '' : `; last error: ${this.lastError.message}`;
    return new ConnectionError(
      `RabbitMQ at ${this.endpoint} is unavailable and did not come back within operationTimeoutMs (${this.options.operationTimeoutMs} ms)${last}`,
      this.lastError === undefined ? {} : { cause: this.lastError },
    );
  }

  private async connectAny(): Promise<ChannelModel> {
    let failure: SwitchboardError | undefined;
    for (const endpoint of this.url.endpoints) {
      try {
        return await this.connectOne(endpoint);
      } catch (error) {
        const translated = translateRabbitError(error, { endpoint: endpoint.display });
        // A refused login is the answer for every node of the cluster: keep it over a network error.
        if (failure === undefined || failure.code !== 'SB_AUTH') failure = translated;
      }
    }
    this.lastError = failure;
    throw failure as SwitchboardError;
  }

  private async connectOne(endpoint: BrokerEndpoint): Promise<ChannelModel> {
    const timeout = this.options.connectAttemptTimeoutMs;
    const attempt = amqpConnect(
      {
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port,
        username: endpoint.username,
        password: endpoint.password,
        vhost: endpoint.vhost,
        heartbeat: this.url.heartbeat ?? this.options.heartbeatSeconds,
        ...(this.url.frameMax !== undefined && { frameMax: this.url.frameMax }),
        ...(this.url.channelMax !== undefined && { channelMax: this.url.channelMax }),
      },
      // Nagle's algorithm would hold a small frame (a request, a reply, an ack) until the peer's
      // delayed ACK, ~40 ms: fatal for request/reply. amqplib already coalesces frames per write.
      { ...this.options.tls, noDelay: true, timeout, clientProperties: { connection_name: `${this.options.connectionName} (${this.role})` } },
    );
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(Object.assign(new Error(`no AMQP handshake within ${timeout} ms`), { code: 'ETIMEDOUT' }));
      }, timeout + 100);
    });
    // A handshake that completes after the timeout must not leak an open connection.
    attempt.then((late) => (timedOut ? late.close().catch(() => {}) : undefined), () => {});
    try {
      return await Promise.race([attempt, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private attach(model: ChannelModel): void {
    this.model = model;
    this.confirm = undefined;
    this.generation++;
    this.blockedReason = undefined;
    this.unblocked?.resolve();
    this.unblocked = undefined;
    model.on('error', (error: Error) => this.logger.warn('switchboard: RabbitMQ connection error', { endpoint: this.endpoint, error: error.message }));
    model.on('blocked', (reason: string) => {
      this.blockedReason = reason;
      this.unblocked ??= deferred();
      this.logger.warn('switchboard: RabbitMQ blocks publishers', { endpoint: this.endpoint, reason });
    });
    model.on('unblocked', () => {
      this.unblocked?.resolve();
      this.unblocked = undefined;
      this.logger.info('switchboard: RabbitMQ unblocked publishers', { endpoint: this.endpoint });
    });
    model.on('close', (error?: Error) => {
      if (this.model !== model) return;
      this.model = undefined;
      this.confirm = undefined;
      if (this.closing) return;
      this.lastError = translateRabbitError(error ?? new Error('connection closed'), { endpoint: this.endpoint });
      if (this.ready) {
        this.ready = false;
        this.lostAt = Date.now();
        this.up = deferred();
        this.logger.warn('switchboard: lost the RabbitMQ connection; reconnecting', { endpoint: this.endpoint, error: error?.message });
        this.setState('lost');
      }
      if (!this.reconnecting) void this.reconnect();
    });
  }

  private backoff(attempt: number): number {
    const { initialDelayMs, maxDelayMs, factor, jitter } = this.options.reconnect;
    const base = Math.min(maxDelayMs, initialDelayMs * factor ** attempt);
    return Math.round(base * (1 - jitter + Math.random() * jitter));
  }

  private async reconnect(): Promise<void> {
    this.reconnecting = true;
    try {
      await this.reconnectLoop();
    } finally {
      this.reconnecting = false;
    }
  }

  private async reconnectLoop(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
      await sleep(this.backoff(attempt));
      if (this.closing) return;
      let model: ChannelModel;
      try {
        model = await this.connectAny();
      } catch (error) {
        this.logger.debug('switchboard: RabbitMQ reconnect attempt failed', { attempt: attempt + 1, error: (error as Error).message });
        continue;
      }
      if (this.closing) {
        await model.close().catch(() => {});
        return;
      }
      this.attach(model);
      try {
        for (const hook of [...this.topologyHooks]) await hook(model);
      } catch (error) {
        this.logger.warn('switchboard: re-declaring topology after reconnect failed; retrying', { error: (error as Error).message });
        if (this.model === model) {
          this.model = undefined;
          await model.close().catch(() => {});
        }
        continue;
      }
      if (this.model !== model) continue;
      this.ready = true;
      this.up.resolve();
      this.setState('ready');
      this.logger.info('switchboard: reconnected to RabbitMQ', { endpoint: this.endpoint, downMs: Date.now() - (this.lostAt ?? Date.now()) });
      for (const hook of [...this.consumerHooks]) {
        hook(model).catch((error: unknown) => this.logger.warn('switchboard: resuming a consumer failed', { error: (error as Error).message }));
      }
      return;
    }
  }
}
