import type { CapabilityReport, CapabilityName } from './capabilities.js';
import { checkChannels, planChannel, capabilityError, type ChannelPlan } from './capability-check.js';
import { ChannelRuntime, type ChannelHost } from './channel.js';
import { ChannelNameSchema, ChannelSpecSchema, ConnectOptionsSchema, parseConfig, type ResolvedChannelSpec } from './config.js';
import { withDeadline } from './deadline.js';
import { ClosedError, ConfigError } from './errors.js';
import { checkUrlCredentials } from './url-credentials.js';
import { silentLogger, type Logger } from './logger.js';
import { adaptLogger } from './logger-adapters.js';
import { installedCatalogs, isBackendFactory, resolveBackendFactory } from './resolve-backend.js';
import { BusEvents } from './bus-events.js';
import type { Backend, CapabilityCatalog } from './spi.js';
import type { ActiveSubscription } from './subscription.js';
import { createTelemetry, type BusTelemetry } from './telemetry/bus-telemetry.js';
import type { TelemetryOptions } from './telemetry/telemetry-options.js';
import type { Bus, BusEventMap, BusHealth, BusReport, ChannelSpec, ConnectOptions } from './types.js';

type ConnectConfig = ReturnType<typeof ConnectOptionsSchema.parse>;

class SwitchboardBus implements ChannelHost {
  readonly source: string;
  readonly closeTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly publishTimeoutMs: number;
  readonly logger: Logger;
  private readonly specs = new Map<string, ResolvedChannelSpec>();
  private readonly plans = new Map<string, ChannelPlan>();
  private readonly channels = new Map<string, ChannelRuntime>();
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<ActiveSubscription>();
  private closing: Promise<void> | undefined;
  /** Set once close() drained the subscriptions: from then on nothing may publish. */
  private sealed = false;

  constructor(
    readonly adapter: Backend,
    config: ConnectConfig,
    plans: Map<string, ChannelPlan>,
    readonly events: BusEvents,
    readonly telemetry: BusTelemetry | undefined,
    logger: Logger,
    /** Catalogs of the other installed backends, for `satisfiedBy` when a channel declared later is refused. */
    private readonly alternatives: readonly CapabilityCatalog[] = [],
  ) {
    this.source = config.source;
    this.closeTimeoutMs = config.closeTimeoutMs;
    this.requestTimeoutMs = config.requestTimeoutMs;
    this.publishTimeoutMs = config.publishTimeoutMs;
    this.logger = logger;
    for (const [name, spec] of Object.entries(config.channels)) this.specs.set(name, spec);
    for (const [name, plan] of plans) this.plans.set(name, plan);
    telemetry?.metrics?.observe(() => [...this.subscriptions].map((s) => s.gauge));
  }

  get backend(): string {
    return this.adapter.name;
  }

  get capabilities(): CapabilityReport {
    return this.adapter.capabilities;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  assertOpen(): void {
    if (this.closing !== undefined) throw new ClosedError('The bus is closed; connect() again to publish or subscribe');
  }

  assertCanPublish(): void {
    if (this.sealed) throw new ClosedError('The bus is closed; connect() again to publish');
  }

  ensure(name: string): Promise<void> {
    let done = this.ensured.get(name);
    if (done === undefined) {
      const spec = this.specs.get(name) ?? ChannelSpecSchema.parse({});
      done = this.adapter.ensureChannel({ name, requires: spec.requires, groups: [...spec.groups], options: { ...spec.options, ...(spec.partitions !== undefined && { partitions: spec.partitions }), maxPriority: spec.maxPriority } });
      // A failed declare may succeed later (broker back up): forget it so the next call retries.
      done.catch(() => this.ensured.delete(name));
      this.ensured.set(name, done);
    }
    return done;
  }

  specOf(name: string): ResolvedChannelSpec | undefined {
    return this.specs.get(name);
  }

  track(subscription: ActiveSubscription): void {
    this.subscriptions.add(subscription);
    subscription.onClosed = () => this.subscriptions.delete(subscription);
  }

  channel(name: string, spec?: ChannelSpec): ChannelRuntime {
    const existing = this.channels.get(name);
    // Handlers that close() is draining may still look up their channels and publish.
    if (existing !== undefined && spec === undefined) {
      this.assertCanPublish();
      return existing;
    }
    this.assertOpen();
    let resolved = this.specs.get(name);
    if (spec !== undefined) {
      if (resolved !== undefined) {
        throw new ConfigError(`Channel "${name}" is already declared; call bus.channel("${name}") without a spec`);
      }
      parseConfig(ChannelNameSchema, name, `channel name "${name}"`);
      resolved = parseConfig(ChannelSpecSchema, spec, `declaration of channel "${name}"`);
      const { plan, problems } = planChannel(this.adapter, name, resolved.requires, resolved.options, this.alternatives);
      if (problems.length > 0) throw capabilityError(this.adapter.name, problems);
      this.specs.set(name, resolved);
      this.plans.set(name, plan);
    }
    if (resolved === undefined) {
      parseConfig(ChannelNameSchema, name, `channel name "${name}"`);
      resolved = ChannelSpecSchema.parse({});
      this.specs.set(name, resolved);
      this.plans.set(name, { channel: name, capabilities: {} });
    }
    const runtime = new ChannelRuntime(name, resolved, this.plans.get(name) as ChannelPlan, this);
    this.channels.set(name, runtime);
    return runtime;
  }

  report(): BusReport {
    const report: BusReport = { backend: this.adapter.name, channels: {}, emulated: [], degraded: [], topology: {} };
    for (const [channel, plan] of this.plans) {
      report.channels[channel] = plan.capabilities;
      const topology = this.adapter.topologyReport?.(channel);
      if (topology !== undefined) report.topology[channel] = topology;
      for (const [capability, planned] of Object.entries(plan.capabilities)) {
        const entry = { channel, capability: capability as CapabilityName, detail: planned.detail };
        if (planned.degraded) report.degraded.push(entry);
        else if (planned.support === 'emulated') report.emulated.push(entry);
      }
    }
    return report;
  }

  health(): BusHealth {
    const subscriptions = [...this.subscriptions].map((s) => s.status);
    const connections = this.adapter.health?.() ?? [];
    const closed = this.closed;
    const ok = !closed && connections.every((c) => c.state === 'ready') && subscriptions.every((s) => s.state === 'live');
    const health: BusHealth = { backend: this.adapter.name, ok, closed, connections, subscriptions };
    if (this.events.lastError !== undefined) health.lastError = this.events.lastError;
    return health;
  }

  on<K extends keyof BusEventMap>(type: K, listener: (event: BusEventMap[K]) => void): () => void {
    return this.events.on(type, listener);
  }

  /**
   * Stops every subscription's dispatching at once and drains its running handlers (which may still
   * publish), then waits for every publish already issued (bounded by `closeTimeoutMs`), then
   * disconnects.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
      } finally {
        this.sealed = true;
      }
      const published = Promise.allSettled([...this.channels.values()].map((c) => c.idle()));
      const settled = await withDeadline(published.then(() => true), this.closeTimeoutMs, () => new Error('publishes still pending')).catch(() => false);
      if (!settled) {
        this.logger.warn('switchboard: publishes were still unconfirmed at close(); they are rejected when the connection closes', { closeTimeoutMs: this.closeTimeoutMs });
      }
      try {
        await this.adapter.close();
      } finally {
        this.telemetry?.close();
      }
    })();
    return this.closing;
  }
}

/**
 * Connects to the backend named by `url` (or the given `backend`), checks every declared
 * channel's requirements against the backend's report before any traffic, and creates the
 * declared channels' topology. Throws ConfigError, CapabilityError, ConnectionError or AuthError.
 */
export async function connect<const C extends Record<string, ChannelSpec> = {}>(options: ConnectOptions<C>): Promise<Bus<C>> {
  const config = parseConfig(ConnectOptionsSchema, options, 'connect() options');
  checkUrlCredentials(config.url);
  const given = config.backend as Parameters<typeof isBackendFactory>[0] | undefined;
  const logger = config.logger === undefined ? silentLogger : adaptLogger(config.logger);
  const backend =
    given === undefined
      ? (await resolveBackendFactory(config.url)).create({ url: config.url, options: config.options, logger })
      : isBackendFactory(given)
        ? given.create({ url: config.url, options: config.options, logger })
        : given;
  const channels = Object.entries(config.channels);
  const alternatives = await installedCatalogs();
  const plans = checkChannels(
    backend,
    Object.fromEntries(channels.map(([name, spec]) => [name, spec.requires])),
    Object.fromEntries(channels.map(([name, spec]) => [name, spec.options])),
    alternatives,
  );
  const events = new BusEvents(logger);
  backend.observe?.(events);
  const telemetry = await createTelemetry(config.telemetry as TelemetryOptions | false | undefined, backend, logger);
  await backend.connect();
  const bus = new SwitchboardBus(backend, config, plans, events, telemetry, logger, alternatives);
  try {
    await Promise.all(Object.keys(config.channels).map((name) => bus.ensure(name)));
  } catch (error) {
    await backend.close().catch(() => {});
    throw error;
  }
  return bus as unknown as Bus<C>;
}
