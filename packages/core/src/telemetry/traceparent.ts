import type { SpanContext } from '@opentelemetry/api';
import type { Otel } from './otel-api.js';

// W3C Trace Context level 1: version-traceid-parentid-flags; later versions may append fields.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The remote span context a message's `traceparent` / `tracestate` carry, or undefined when it is
 * absent or malformed (a broken header from another service must never fail a delivery).
 */
export function parseTraceparent(api: Otel, traceparent: string | undefined, tracestate: string | undefined): SpanContext | undefined {
  if (traceparent === undefined) return undefined;
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
  if (!api.isSpanContextValid(context)) return undefined;
  if (tracestate !== undefined && tracestate !== '') {
    try {
      context.traceState = api.createTraceState(tracestate);
    } catch {
      // An unparsable tracestate is dropped, as the W3C propagator does.
    }
  }
  return context;
}

/** The `traceparent` value that makes `context` the parent of whoever reads the message. */
export function formatTraceparent(context: SpanContext): string {
  const flags = context.traceFlags & 0xff;
  return `00-${context.traceId}-${context.spanId}-${flags < 16 ? '0' : ''}${flags.toString(16)}`;
}
