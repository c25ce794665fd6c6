import type { Meter, MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import type { Backend, Delivery } from '../spi.js';
import { SubscriptionTelemetry } from './delivery-telemetry.js';
import { MessagingMetrics } from './messaging-metrics.js';
import { MessagingTracer } from './messaging-tracer.js';
import type { TelemetryOptions } from './telemetry-options.js';
import { globalMeter, hasGlobalTracerProvider, loadOpenTelemetry } from './otel-api.js';

/** Name and version the tracer and meter report as their instrumentation scope. */
const SCOPE = '@switchboard/core';
const SCOPE_VERSION = '0.1.0';


/**
 * A bus's telemetry. Present only while tracing or metrics are on: with `@opentelemetry/api`
 * absent, or no SDK registered, connect() creates none and every hook is a single `undefined`
 * check on the hot path.
 */
export class BusTelemetry {
  constructor(
    readonly tracer: MessagingTracer | undefined,
    readonly metrics: MessagingMetrics | undefined,
    private readonly backend: Backend,
  ) {}

  /** The per-subscription helper the delivery runner calls. */
  subscription(channel: string, group: string | undefined): SubscriptionTelemetry {
    const attributes = this.backend.messageAttributes;
    const messageAttributes = attributes === undefined ? undefined : (delivery: Delivery) => attributes.call(this.backend, delivery);
    return new SubscriptionTelemetry(this.tracer, this.metrics, channel, group, messageAttributes);
  }

  close(): void {
    this.metrics?.close();
  }
}

/**
 * Decides once, at connect(), whether this bus traces and measures: with explicit providers, or
 * with the global ones an SDK registered. Returns undefined when neither is on.
 */
export async function createTelemetry(options: TelemetryOptions | false | undefined, backend: Backend, logger: Logger): Promise<BusTelemetry | undefined> {
  if (options === false) return undefined;
  const api = await loadOpenTelemetry();
  if (api === undefined) {
    if (options?.tracerProvider !== undefined || options?.meterProvider !== undefined) {
      logger.warn('switchboard: telemetry providers were given but @opentelemetry/api is not installed; tracing and metrics stay off');
    }
    return undefined;
  }
  const tracerProvider = (options?.tracerProvider as TracerProvider | undefined) ?? (hasGlobalTracerProvider(api) ? api.trace.getTracerProvider() : undefined);
  const given = options?.meterProvider as MeterProvider | undefined;
  const meter: Meter | undefined = given !== undefined ? given.getMeter(SCOPE, SCOPE_VERSION) : globalMeter(api, SCOPE, SCOPE_VERSION);
  if (tracerProvider === undefined && meter === undefined) return undefined;
  const tracer = tracerProvider === undefined ? undefined : new MessagingTracer(api, tracerProvider.getTracer(SCOPE, SCOPE_VERSION), backend.name);
  const metrics = meter === undefined ? undefined : new MessagingMetrics(meter, backend.name);
  logger.debug('switchboard: OpenTelemetry on', { tracing: tracer !== undefined, metrics: metrics !== undefined });
  return new BusTelemetry(tracer, metrics, backend);
}
