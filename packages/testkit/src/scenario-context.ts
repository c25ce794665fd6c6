import { randomBytes } from 'node:crypto';
import {
  connect,
  resolveBackendFactory,
  type BackendFactory,
  type Bus,
  type CapabilityCatalog,
  type CapabilityName,
  type CapabilityReport,
  type ChannelSpec,
  type ConnectOptions,
  type WireMessage,
} from '@switchboard/core';

/** A backend under test. */
export interface ConformanceTarget {
  /** Shown in test names, e.g. 'rabbitmq'. */
  name: string;
  /** URL every scenario connects to. Buses connected to the same URL must reach the same broker. */
  url: string;
  /** Passed as `connect({ options })`. */
  options?: Record<string, unknown>;
  /** Explicit backend; default: resolved from the URL scheme, like applications do. */
  backend?: BackendFactory;
  /** How long a scenario waits for a delivery. Default 15 000 ms. */
  deliveryTimeoutMs?: number;
}

/** Bus options a scenario may set beside its channels (`url` replaces the target's). */
export type ConnectExtras = Pick<ConnectOptions, 'requestTimeoutMs' | 'closeTimeoutMs' | 'publishTimeoutMs' | 'logger' | 'url'>;

/** What every scenario group receives. */
export interface ScenarioContext {
  /** The backend under test. */
  target: ConformanceTarget;
  /** The backend's own report (read before any scenario runs). */
  report: CapabilityReport;
  /** The backend's capability catalog (report and per-channel rules), for planning without a broker. */
  catalog: CapabilityCatalog;
  /** True when the report says native or emulated. */
  supports(capability: CapabilityName): boolean;
  /** Connects a bus that is closed after the scenario. */
  connect<C extends Record<string, ChannelSpec>>(channels: C, extra?: ConnectExtras): Promise<Bus<C>>;
  /** A channel or group name no other scenario (or earlier run) uses. */
  unique(prefix: string): string;
  /** How long a scenario waits for a delivery. */
  deliveryTimeoutMs: number;
  /**
   * Publishes wire messages straight through a fresh backend instance, bypassing core: body and
   * headers exactly as given, the way a producer that is not Switchboard would write them.
   */
  publishRaw(channel: string, messages: WireMessage[]): Promise<void>;
  /** The backend's CloudEvents header prefixes: the one it writes first, then the others it reads. */
  cloudEventsPrefixes: readonly string[];
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function createScenarioContext(
  target: ConformanceTarget,
  catalog: CapabilityCatalog,
  opened: Set<Bus<never>>,
  binding: { headerPrefix: string; readPrefixes?: readonly string[] },
): ScenarioContext {
  return {
    cloudEventsPrefixes: [binding.headerPrefix, ...(binding.readPrefixes ?? []).filter((p) => p !== binding.headerPrefix)],
    async publishRaw(channel, messages) {
      const factory = target.backend ?? (await resolveBackendFactory(target.url));
      const backend = factory.create({ url: target.url, options: target.options ?? {}, logger: silent });
      await backend.connect();
      try {
        await backend.ensureChannel({ name: channel, requires: {}, groups: [], options: {} });
        await backend.publish(channel, messages);
      } finally {
        await backend.close();
      }
    },
    target,
    catalog,
    report: catalog.capabilities,
    supports: (capability) => catalog.capabilities[capability].support !== 'unsupported',
    deliveryTimeoutMs: target.deliveryTimeoutMs ?? 15_000,
    unique: (prefix) => `sbt-${prefix}-${randomBytes(4).toString('hex')}`,
    async connect(channels, extra) {
      const bus = await connect({
        url: target.url,
        channels,
        ...(target.options !== undefined && { options: target.options }),
        ...(target.backend !== undefined && { backend: target.backend }),
        ...extra,
      });
      opened.add(bus as unknown as Bus<never>);
      return bus;
    },
  };
}
