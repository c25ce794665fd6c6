#!/usr/bin/env node
// Another service, not Switchboard: plain amqplib or kafkajs, instrumented by the official
// OpenTelemetry instrumentation (which writes the plain W3C `traceparent` header). It publishes one
// JSON message inside a span of its own and prints its finished spans as one JSON line.
// Usage: node foreign-producer.cjs amqplib|kafkajs   (TARGET: AMQP url or Kafka broker, DESTINATION: exchange or topic)
'use strict';
const { context, propagation, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { W3CTraceContextPropagator } = require('@opentelemetry/core');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { AmqplibInstrumentation } = require('@opentelemetry/instrumentation-amqplib');
const { KafkaJsInstrumentation } = require('@opentelemetry/instrumentation-kafkajs');
const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');

const [client] = process.argv.slice(2);
const { TARGET: target, DESTINATION: destination } = process.env;
const spans = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
// Before the client is required, as the instrumentation's documentation asks.
registerInstrumentations({ instrumentations: [new AmqplibInstrumentation(), new KafkaJsInstrumentation()] });

async function viaAmqplib(body) {
  const amqplib = require('amqplib');
  const connection = await amqplib.connect(target);
  const channel = await connection.createConfirmChannel();
  channel.publish(destination, '', Buffer.from(JSON.stringify(body)), { contentType: 'application/json', messageId: 'foreign-1' });
  await channel.waitForConfirms();
  await connection.close();
}

async function viaKafkajs(body) {
  const { Kafka, logLevel } = require('kafkajs');
  const producer = new Kafka({ clientId: 'foreign-service', brokers: [target], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic: destination, messages: [{ value: JSON.stringify(body), headers: { 'content-type': 'application/json' } }] });
  await producer.disconnect();
}

(async () => {
  const tracer = trace.getTracer('foreign-service');
  await tracer.startActiveSpan('foreign checkout', async (span) => {
    await (client === 'amqplib' ? viaAmqplib : viaKafkajs)({ from: 'foreign' });
    span.end();
  });
  await provider.forceFlush();
  const finished = spans.getFinishedSpans().map((s) => ({
    name: s.name,
    kind: s.kind,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    instrumentation: s.instrumentationScope.name,
  }));
  process.stdout.write(`${JSON.stringify({ spans: finished })}\n`);
})().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
