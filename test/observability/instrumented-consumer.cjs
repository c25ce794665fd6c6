#!/usr/bin/env node
// A Switchboard consumer in a process where the official OpenTelemetry instrumentation of its
// broker client is also on (as an application with auto-instrumentation has it): the client's own
// consumer spans are active while Switchboard delivers. Loads the CommonJS builds, so the client
// library is required after the instrumentation is registered. Prints its finished spans as one
// JSON line after the first message was handled.
// Usage: node instrumented-consumer.cjs rabbitmq|kafka   (URL, CHANNEL from the environment)
'use strict';
const { context, propagation, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { AmqplibInstrumentation } = require('@opentelemetry/instrumentation-amqplib');
const { KafkaJsInstrumentation } = require('@opentelemetry/instrumentation-kafkajs');
const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');

const [backend] = process.argv.slice(2);
const { URL: url, CHANNEL: channel } = process.env;
const spans = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
registerInstrumentations({ instrumentations: [new AmqplibInstrumentation(), new KafkaJsInstrumentation()] });

const { connect } = require('@switchboard/core');
const { backendFactory } = require(`@switchboard/${backend}`);
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const options = backend === 'kafka' ? { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 } : {};

(async () => {
  const bus = await connect({ url, backend: backendFactory, options, channels: { [channel]: { groups: ['billing'] } } });
  const tracer = trace.getTracer('the-application');
  let handled;
  const done = new Promise((resolve) => (handled = resolve));
  await bus.channel(channel).subscribe('billing', () => {
    tracer.startActiveSpan('update ledger', (span) => span.end());
    handled();
  });
  say({ ready: true });
  await done;
  await bus.close();
  await provider.forceFlush();
  const finished = spans.getFinishedSpans().map((s) => ({
    name: s.name,
    kind: s.kind,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    links: s.links.map((l) => l.context.spanId),
    instrumentation: s.instrumentationScope.name,
  }));
  say({ spans: finished });
})().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
