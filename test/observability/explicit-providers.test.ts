// Telemetry without global registration: nothing is traced until providers are passed to
// connect({ telemetry }); `telemetry: false` turns it off; bad providers are refused up front.
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { connect, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { describe, expect, it } from 'vitest';

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function roundTrip(telemetry: object | false | undefined): Promise<void> {
  const bus = await connect({ url: `memory://explicit-${Math.random()}`, channels: { jobs: { groups: ['w'] } }, ...(telemetry !== undefined && { telemetry }) });
  let handled = 0;
  const channel = bus.channel('jobs') as unknown as { subscribe(g: string, h: (m: Message) => void): Promise<unknown>; publish(p: unknown): Promise<void> };
  await channel.subscribe('w', () => void handled++);
  await channel.publish({ n: 1 });
  await waitFor(() => handled === 1);
  await bus.close();
}

describe('telemetry providers passed to connect()', () => {
  it('traces and measures with the given providers only; nothing without them or with telemetry: false', async () => {
    const spans = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    const reader = new CollectingReader();
    const meterProvider = new MeterProvider({ readers: [reader] });

    await roundTrip(undefined);
    await roundTrip(false);
    expect(spans.getFinishedSpans()).toHaveLength(0);

    await roundTrip({ tracerProvider, meterProvider });
    expect(spans.getFinishedSpans().map((s) => s.name).sort()).toEqual(['process jobs', 'publish jobs']);
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
    expect(names).toEqual(expect.arrayContaining(['messaging.client.sent.messages', 'messaging.client.consumed.messages', 'messaging.process.duration']));
    expect(resourceMetrics.scopeMetrics.map((scope) => scope.scope.name)).toEqual(['@switchboard/core']);
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  });

  it('refuses something that is not a provider, naming the field', async () => {
    await expect(connect({ url: 'memory://explicit-bad', telemetry: { tracerProvider: {} as never } })).rejects.toMatchObject({
      code: 'SB_CONFIG',
      message: expect.stringContaining('telemetry.tracerProvider'),
    });
  });
});
