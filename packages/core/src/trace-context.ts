/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` and `tracestate`.
 * Messages carry them twice: as the plain W3C headers that OpenTelemetry propagators read and
 * write, and as the CloudEvents distributed-tracing extension attributes.
 */
import { ConfigError } from './errors.js';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_PARENT_ID = '0'.repeat(16);
const TRACESTATE_KEY = /^(?:[a-z0-9][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** The plain W3C header names. */
export const TRACE_HEADERS = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

/**
 * True for a traceparent a W3C-conforming receiver accepts: version 00 with exactly four fields,
 * or a later version (not ff) whose extra fields follow a dash; ids not all zeros; lower-case hex.
 */
export function isValidTraceparent(value: string): boolean {
  const match = TRACEPARENT.exec(value);
  if (match === null) return false;
  const [, version, traceId, parentId, rest] = match;
  if (version === 'ff' || traceId === ZERO_TRACE_ID || parentId === ZERO_PARENT_ID) return false;
  return version !== '00' || rest === undefined;
}

/** True for a tracestate of at most 32 `key=value` members (empty members allowed), ≤ 512 characters. */
export function isValidTracestate(value: string): boolean {
  if (value.length > 512) return false;
  let members = 0;
  for (const raw of value.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0 || !TRACESTATE_KEY.test(member.slice(0, eq)) || !TRACESTATE_VALUE.test(member.slice(eq + 1))) return false;
    if (++members > 32) return false;
  }
  return true;
}

/** Refuses a malformed trace context on publish: a broken traceparent would cut the trace silently downstream. */
export function checkTraceContext(traceparent: string | undefined, tracestate: string | undefined, channel: string): void {
  if (traceparent !== undefined && (typeof traceparent !== 'string' || !isValidTraceparent(traceparent))) {
    throw new ConfigError(
      `traceparent ${JSON.stringify(traceparent)} on channel "${channel}" is not a W3C traceparent: ` +
        'use version-traceid-parentid-flags in lower-case hex, e.g. 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
  }
  if (tracestate !== undefined) {
    if (traceparent === undefined) throw new ConfigError(`tracestate on channel "${channel}" needs a traceparent beside it (W3C Trace Context)`);
    if (typeof tracestate !== 'string' || !isValidTracestate(tracestate)) {
      throw new ConfigError(`tracestate on channel "${channel}" is not a W3C tracestate: use up to 32 comma-separated key=value members, at most 512 characters`);
    }
  }
}

/** The trace context a received message continues. */
export interface TraceContext {
  traceparent?: string;
  tracestate?: string;
}

/**
 * Picks the trace context of a received message. The plain W3C header wins over the CloudEvents
 * attribute: an instrumented hop that forwarded the event updates the header, not the event.
 * An invalid traceparent is ignored together with its tracestate, as W3C receivers do.
 */
export function pickTraceContext(
  plainParent: string | undefined,
  plainState: string | undefined,
  eventParent: string | undefined,
  eventState: string | undefined,
): TraceContext | undefined {
  if (plainParent !== undefined && isValidTraceparent(plainParent)) {
    return plainState !== undefined && isValidTracestate(plainState) ? { traceparent: plainParent, tracestate: plainState } : { traceparent: plainParent };
  }
  if (eventParent !== undefined && isValidTraceparent(eventParent)) {
    return eventState !== undefined && isValidTracestate(eventState) ? { traceparent: eventParent, tracestate: eventState } : { traceparent: eventParent };
  }
  return undefined;
}
