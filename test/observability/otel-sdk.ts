// The real OpenTelemetry SDK, registered globally as an application would before connect():
// spans into an in-memory exporter, metrics through a reader the test collects on demand.
import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface InstalledSdk {
  spans: InMemorySpanExporter;
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  /** Finished spans whose attribute `name` equals `value`, or whose span name matches. */
  finished(filter: (span: ReadableSpan) => boolean): ReadableSpan[];
  /** Sum of a counter (or count of a histogram) over the data points whose attributes include `match`. */
  metric(name: string, match: Attributes): Promise<number>;
  /** How many data points of `name` carry attributes including `match`. */
  points(name: string, match: Attributes): Promise<number>;
  shutdown(): Promise<void>;
}

/** Registers the SDK globally: the AsyncLocalStorage context manager, a tracer and a meter provider. */
export function installSdk(): InstalledSdk {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  const collect = async (name: string, match: Attributes) => {
    const { resourceMetrics } = await reader.collect();
    const found: { point: { attributes: Attributes; value: unknown }; histogram: boolean }[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue;
        for (const point of metric.dataPoints) {
          if (Object.entries(match).every(([key, value]) => point.attributes[key] === value)) found.push({ point, histogram: metric.dataPointType === DataPointType.HISTOGRAM });
        }
      }
    }
    return found;
  };
  return {
    spans,
    tracerProvider,
    meterProvider,
    finished: (filter) => spans.getFinishedSpans().filter(filter),
    async metric(name, match) {
      let total = 0;
      for (const { point, histogram } of await collect(name, match)) total += histogram ? (point.value as { count: number }).count : (point.value as number);
      return total;
    },
    async points(name, match) {
      return (await collect(name, match)).length;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
    },
  };
}
