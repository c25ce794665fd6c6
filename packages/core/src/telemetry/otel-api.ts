import type * as OtelApi from '@opentelemetry/api';
import type { Meter } from '@opentelemetry/api';

/** The `@opentelemetry/api` module, when the application installed it. */
export type Otel = typeof OtelApi;

/**
 * Loads `@opentelemetry/api` (an optional peer dependency) at `connect()`, never at import, and
 * never fails: without it every telemetry hook stays off and costs nothing.
 */
export async function loadOpenTelemetry(): Promise<Otel | undefined> {
  try {
    const loaded = (await import('@opentelemetry/api')) as Otel & { default?: Otel };
    // CommonJS interop can leave the API on `default`.
    const api = typeof loaded.trace?.getTracer === 'function' ? loaded : loaded.default;
    return typeof api?.trace?.getTracer === 'function' ? api : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether an SDK registered a global tracer provider. The API hands out a proxy whose delegate is
 * a no-op until `trace.setGlobalTracerProvider()` runs; a fresh proxy shows which no-op that is.
 */
export function hasGlobalTracerProvider(api: Otel): boolean {
  const global = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
  if (typeof global.getDelegate !== 'function') return true;
  return global.getDelegate() !== new api.ProxyTracerProvider().getDelegate();
}

/**
 * The meter `scope` of the global meter provider, or undefined while none is registered (the API
 * then hands out no-op meters, recognisable by their class).
 */
export function globalMeter(api: Otel, scope: string, version: string): Meter | undefined {
  const meter = api.metrics.getMeterProvider().getMeter(scope, version);
  return meter.constructor === api.createNoopMeter().constructor ? undefined : meter;
}
