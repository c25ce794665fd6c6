import { fileURLToPath } from 'node:url';
import {
  installedCatalogs,
  redactUrl,
  resolveBackendFactory,
  silentLogger,
  type Backend,
  type BackendFactory,
  type CapabilityCatalog,
  type CapabilityReport,
} from '@switchboard/core';

/** A backend created for its report only: `create()` does no IO, and nothing calls `connect()`. */
export interface InspectedBackend {
  /** The URL as given, credentials removed. */
  url: string;
  /** The backend's own name ('memory', 'rabbitmq', 'kafka'). */
  name: string;
  /** URL schemes its factory serves. */
  schemes: readonly string[];
  /** The backend object, for per-channel reports (`channelCapabilities`). Never connected. */
  backend: Backend;
  /** Its general capability report. */
  capabilities: CapabilityReport;
  /** The catalogs of the installed shipped backends, for `satisfiedBy` of a refusal. */
  alternatives: readonly CapabilityCatalog[];
}

// The command's own dependencies come last, so `npx @switchboard/cli` works with nothing installed.
const ownLocation = fileURLToPath(import.meta.url);

/**
 * Loads the factory for `url` — from the application's own installation first (`from`: the module
 * whose declarations are checked), so the report is the one of the version it runs — and creates
 * a backend without connecting it. The options are validated by the backend as `connect()` would.
 */
export async function inspectBackend(url: string, options: Record<string, unknown> = {}, from: readonly string[] = []): Promise<InspectedBackend> {
  const factory: BackendFactory = await resolveBackendFactory(url, { from: [...from, ownLocation] });
  const backend = factory.create({ url, options, logger: silentLogger });
  const alternatives = await installedCatalogs({ from: [...from, ownLocation] });
  return { url: redactUrl(url), name: backend.name, schemes: factory.schemes, backend, capabilities: backend.capabilities, alternatives };
}

/** A URL that names each shipped backend without reaching anything: only reports are read. */
export const DEFAULT_BACKEND_URLS: Record<string, string> = {
  memory: 'memory://',
  rabbitmq: 'amqp://localhost:5672',
  kafka: 'kafka://localhost:9092',
};
