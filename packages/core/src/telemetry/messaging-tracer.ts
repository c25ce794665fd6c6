import { randomUUID } from 'node:crypto';
import type { Attributes, Context, Link, Span, SpanContext, Tracer } from '@opentelemetry/api';
import type { Message } from '../types.js';
import { errorType } from './error-type.js';
import type { Otel } from './otel-api.js';
import { ATTR } from './semconv.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

/** Trace context a traced publish adds to the message's envelope options. */
export interface TraceFields {
  id: string;
  traceparent?: string;
  tracestate?: string;
}

/** A process span and the context its handler runs in. */
export interface ProcessSpan {
  span: Span;
  context: Context;
}

/**
 * Producer and consumer spans following the OpenTelemetry messaging conventions:
 *
 * - `publish <channel>`: one PRODUCER span per `publish()` call (operation type `send`), whose
 *   context is injected into that message as its creation context. `publish()` sends one message
 *   per call, so the conventions recommend a send span without create spans; core's batching is an
 *   implementation detail whose cost is measured by the `messaging.client.*` metrics per batch. When
 *   the caller passes its own `traceparent`, that creation context is kept, linked, and the span is
 *   a CLIENT span.
 * - `process <channel>`: one CONSUMER span per handler run, parented on the message's creation
 *   context (so a trace runs from the publisher through the handler) and linked to it; an ambient
 *   span of the delivering client (for example an instrumentation's `poll` span) becomes a link.
 */
export class MessagingTracer {
  constructor(
    readonly api: Otel,
    private readonly tracer: Tracer,
    readonly system: string,
  ) {}

  /**
   * Runs `send` (the untraced publish) inside a `publish <channel>` span that ends when the broker
   * confirmed the message or the publish failed.
   */
  publish<T>(channel: string, operation: string, options: Record<string, unknown> | undefined, send: (options: Record<string, unknown>) => Promise<T>): Promise<T> {
    const { api } = this;
    const id = typeof options?.['id'] === 'string' ? options['id'] : randomUUID();
    const given = typeof options?.['traceparent'] === 'string' ? options['traceparent'] : undefined;
    const custom = given === undefined ? undefined : parseTraceparent(api, given, options?.['tracestate'] as string | undefined);
    const attributes: Attributes = {
      [ATTR.system]: this.system,
      [ATTR.destination]: channel,
      [ATTR.operationName]: operation,
      [ATTR.operationType]: 'send',
      [ATTR.messageId]: id,
    };
    const key = options?.['key'];
    if (this.system === 'kafka' && typeof key === 'string') attributes[ATTR.kafkaKey] = key;
    const span = this.tracer.startSpan(`${operation} ${channel}`, {
      kind: custom === undefined ? api.SpanKind.PRODUCER : api.SpanKind.CLIENT,
      attributes,
      ...(custom !== undefined && { links: [{ context: custom }] }),
    });
    const traced: Record<string, unknown> = { ...options, id };
    const context = span.spanContext();
    if (given === undefined && api.isSpanContextValid(context)) {
      traced['traceparent'] = formatTraceparent(context);
      const state = context.traceState?.serialize();
      if (state !== undefined && state !== '') traced['tracestate'] = state;
    }
    let sent: Promise<T>;
    try {
      sent = send(traced);
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sent.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        this.fail(span, error);
        span.end();
        throw error;
      },
    );
  }

  /** Starts the span of one handler run on `message`, in `ambient` (the context the delivery arrived in). */
  startProcess(channel: string, group: string | undefined, message: Message, extra: Attributes | undefined, ambient: Context): ProcessSpan {
    const { api } = this;
    // A producer that is not Switchboard writes the plain W3C header, which arrives among the headers.
    const traceparent = message.traceparent ?? message.headers['traceparent'];
    const tracestate = message.traceparent !== undefined ? message.tracestate : message.headers['tracestate'];
    const creation = parseTraceparent(api, traceparent, tracestate);
    const attributes: Attributes = {
      [ATTR.system]: this.system,
      [ATTR.destination]: channel,
      [ATTR.operationName]: 'process',
      [ATTR.operationType]: 'process',
      [ATTR.messageId]: message.id,
      [ATTR.attempt]: message.attempt,
    };
    if (group !== undefined) attributes[ATTR.consumerGroup] = group;
    if (message.redelivered) attributes[ATTR.redelivered] = true;
    if (this.system === 'kafka' && message.key !== undefined) attributes[ATTR.kafkaKey] = message.key;
    if (extra !== undefined) Object.assign(attributes, extra);
    let parent = ambient;
    const links: Link[] = [];
    if (creation !== undefined) {
      links.push({ context: creation });
      const outer: SpanContext | undefined = api.trace.getSpanContext(ambient);
      if (outer !== undefined && api.isSpanContextValid(outer)) links.push({ context: outer });
      parent = api.trace.setSpanContext(ambient, creation);
    }
    const span = this.tracer.startSpan(`process ${channel}`, { kind: api.SpanKind.CONSUMER, attributes, links }, parent);
    return { span, context: api.trace.setSpan(parent, span) };
  }

  /** A child span of `parent` around publishing a dead letter (its creation context stays the original message's). */
  deadLetterSpan(deadChannel: string, id: string, parent: Context): Span {
    return this.tracer.startSpan(
      `publish ${deadChannel}`,
      {
        kind: this.api.SpanKind.CLIENT,
        attributes: { [ATTR.system]: this.system, [ATTR.destination]: deadChannel, [ATTR.operationName]: 'publish', [ATTR.operationType]: 'send', [ATTR.messageId]: id },
      },
      parent,
    );
  }

  /** Marks `span` failed with `error` (recorded as an exception event with its type). */
  fail(span: Span, error: unknown): void {
    span.setAttribute(ATTR.errorType, errorType(error));
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    if (error instanceof Error) span.recordException(error);
  }
}
