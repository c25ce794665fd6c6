/**
 * `connect({ telemetry })`: where spans and metrics go. Structural types, so that core's public
 * types do not need `@opentelemetry/api` installed.
 */
export interface TelemetryOptions {
  /** Default: the global tracer provider, if an SDK registered one before `connect()`. */
  tracerProvider?: {
    /** The OpenTelemetry API's `TracerProvider.getTracer`. */
    getTracer(name: string, version?: string): unknown;
  };
  /** Default: the global meter provider, if an SDK registered one before `connect()`. */
  meterProvider?: {
    /** The OpenTelemetry API's `MeterProvider.getMeter`. */
    getMeter(name: string, version?: string): unknown;
  };
}
