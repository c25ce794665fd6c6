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
  // Fast path for what every current producer writes (this runs once per delivery while tracing).
  if (traceparent.length === 55 && traceparent.startsWith('00-') && traceparent[35] === '-' && traceparent[52] === '-' && isLowerHex(traceparent)) {
    const traceId = traceparent.slice(3, 35);
    const spanId = traceparent.slice(36, 52);
    if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
    return withState(api, { traceId, spanId, traceFlags: Number.parseInt(traceparent.slice(53), 16), isRemote: true }, tracestate);
  }
  const match = TRACEPARENT.exec(traceparent.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
  if (!api.isSpanContextValid(context)) return undefined;
  return withState(api, context, tracestate);
}

const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** Lower-case hex digits at 3..34, 36..51 and 53..54 of a 55-character traceparent. */
function isLowerHex(text: string): boolean {
  for (let i = 3; i < 55; i++) {
    if (i === 35 || i === 52) continue;
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function withState(api: Otel, context: SpanContext, tracestate: string | undefined): SpanContext {
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
