import type { Attributes, Span } from '@opentelemetry/api';
import type { Delivery } from '../spi.js';
import type { Message } from '../types.js';
import type { ConsumerTally, MessagingMetrics } from './messaging-metrics.js';
import type { MessagingTracer, ProcessSpan } from './messaging-tracer.js';
import { ATTR, EVENT } from './semconv.js';

/** The telemetry of one subscription: created once, asked for a watch per delivery. */
export class SubscriptionTelemetry {
  readonly attributes: Attributes | undefined;
  readonly tally: ConsumerTally | undefined;

  constructor(
    readonly tracer: MessagingTracer | undefined,
    readonly metrics: MessagingMetrics | undefined,
    readonly channel: string,
    readonly group: string | undefined,
    /** Backend-specific attributes of a received message (partition, offset), asked for only while tracing. */
    readonly messageAttributes: ((delivery: Delivery) => Attributes | undefined) | undefined,
  ) {
    this.tally = metrics?.tally(channel, group);
    this.attributes = this.tally?.attributes;
  }

  /** Called once per delivery handed to the runner: counts it and returns its watch. */
  received(delivery: Delivery): DeliveryWatch {
    if (this.tally !== undefined) this.tally.consumed++;
    return new DeliveryWatch(this, delivery);
  }
}

/**
 * Follows one delivery through the runner: a `process` span per handler run (the handler runs with
 * it active), a retry or dead-letter event on the run that failed, the dead-letter publish as its
 * child span, and the matching metrics. Every method is safe to call in any order; `end()` closes
 * whatever is still open.
 */
export class DeliveryWatch {
  private current: ProcessSpan | undefined;

  constructor(
    private readonly sub: SubscriptionTelemetry,
    private readonly delivery: Delivery,
  ) {}

  /** Runs one attempt of `handler`; the span stays open on failure until `retrying`, `deadLetter` or `end`. */
  async run(message: Message, handler: (message: Message) => unknown): Promise<void> {
    const { tracer, metrics } = this.sub;
    const start = performance.now();
    this.end();
    try {
      if (tracer === undefined) await handler(message);
      else {
        const process = this.open(message);
        await tracer.api.context.with(process.context, handler, undefined, message);
      }
    } catch (error) {
      metrics?.recordProcess(start, this.sub.attributes as Attributes, error);
      if (this.current !== undefined) tracer?.fail(this.current.span, error);
      throw error;
    }
    if (metrics !== undefined) metrics.recordProcess(start, this.sub.attributes as Attributes);
    this.end();
  }

  /** The payload could not be decoded or validated: a failed process span, before its dead letter. */
  invalid(message: Message | undefined, error: unknown): void {
    const { tracer } = this.sub;
    if (tracer === undefined) return;
    this.current ??= this.open(message ?? placeholder(this.delivery));
    tracer.fail(this.current.span, error);
  }

  /** The failed run is retried after `delayMs` (in-process or through the broker). */
  retrying(delayMs: number, attempt: number): void {
    if (this.sub.tally !== undefined) this.sub.tally.retried++;
    this.current?.span.addEvent(EVENT.retry, { [ATTR.retryDelay]: delayMs, [ATTR.attempt]: attempt });
    this.end();
  }

  /** Runs `publish` (the dead-letter publish) as a child span of the failed run, then ends the run's span. */
  async deadLetter(attempts: number, publish: () => Promise<void>): Promise<void> {
    const { tracer, channel } = this.sub;
    const deadChannel = `${channel}.dead`;
    if (this.sub.tally !== undefined) this.sub.tally.deadLettered++;
    const current = this.current;
    if (tracer === undefined || current === undefined) {
      await publish();
      return;
    }
    current.span.addEvent(EVENT.deadLetter, { [ATTR.deadChannel]: deadChannel, [ATTR.attempt]: attempts });
    const span = tracer.deadLetterSpan(deadChannel, this.delivery.id, current.context);
    try {
      await tracer.api.context.with(tracer.api.trace.setSpan(current.context, span), publish);
    } catch (error) {
      tracer.fail(span, error);
      throw error;
    } finally {
      span.end();
      this.end();
    }
  }

  /** Ends the open span, if any. Idempotent. */
  end(): void {
    const current = this.current;
    this.current = undefined;
    current?.span.end();
  }

  private open(message: Message): ProcessSpan {
    const { tracer, channel, group, messageAttributes } = this.sub;
    const t = tracer as MessagingTracer;
    const extra = messageAttributes?.(this.delivery);
    this.current = t.startProcess(channel, group, message, extra, t.api.context.active());
    return this.current;
  }
}

/** What the span of an undecodable delivery can still say about it, trace context included. */
function placeholder(delivery: Delivery): Message {
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  for (const name in delivery.headers) {
    if (name.endsWith('traceparent')) traceparent ??= delivery.headers[name];
    else if (name.endsWith('tracestate')) tracestate ??= delivery.headers[name];
  }
  return {
    ...(traceparent !== undefined && { traceparent }),
    ...(tracestate !== undefined && { tracestate }),
    payload: undefined,
    id: delivery.id,
    headers: delivery.headers,
    timestamp: new Date(delivery.timestamp),
    type: '',
    source: '',
    attempt: 1,
    redelivered: delivery.redelivered,
    ...(delivery.key !== undefined && { key: delivery.key }),
  };
}
