/**
 * CloudEvents 1.0 as Switchboard reads and writes it: binary mode (attributes as headers named
 * with the protocol binding's prefix) and structured mode (`application/cloudevents+json`, the
 * whole event in the body).
 */
import { CodecError } from './errors.js';
import { HEADERS } from './control-headers.js';
import { TRACE_HEADERS } from './trace-context.js';

/** Header prefixes of the shipped bindings. AMQP allows both separators (`_` preferred since 1.0.3). */
export const CE_PREFIXES = { kafka: 'ce_', amqp: 'cloudEvents_', amqpColon: 'cloudEvents:' } as const;

/** What a header means to the decoder. Numbers, not strings: compared once per header, per message. */
export const Field = {
  specversion: 0,
  id: 1,
  source: 2,
  type: 3,
  time: 4,
  subject: 5,
  dataschema: 6,
  traceparent: 7,
  tracestate: 8,
  partitionkey: 9,
  /** `<prefix>datacontenttype`: only meaningful without a content-type header. */
  datacontenttype: 10,
  contentType: 11,
  plainTraceparent: 12,
  plainTracestate: 13,
  attempt: 14,
} as const;
export type Field = (typeof Field)[keyof typeof Field];

/** Attributes with a field of their own on Message; every other prefixed header is an extension. */
export const KNOWN_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'dataschema', 'traceparent', 'tracestate', 'partitionkey', 'datacontenttype'] as const;

/** Precomputed header names of one backend's binding, shared by every decode on it. */
export interface EnvelopeBinding {
  /** The prefix written on publish. */
  readonly prefix: string;
  /** Every prefix read on receive (the written one first). */
  readonly prefixes: readonly string[];
  /** Header name → field, for the names the decoder acts on. */
  readonly fields: ReadonlyMap<string, Field>;
}

/** Builds the lookup for a binding: `prefix` is written, `readPrefixes` are also read. */
export function envelopeBinding(prefix: string, readPrefixes: readonly string[] = []): EnvelopeBinding {
  const prefixes = [prefix, ...readPrefixes.filter((p) => p !== prefix)];
  const fields = new Map<string, Field>();
  // Read prefixes first so the written one wins a (non-conforming) duplicate.
  for (const p of [...prefixes].reverse()) {
    for (const attribute of KNOWN_ATTRIBUTES) fields.set(`${p}${attribute}`, Field[attribute]);
  }
  fields.set('content-type', Field.contentType);
  fields.set(TRACE_HEADERS.traceparent, Field.plainTraceparent);
  fields.set(TRACE_HEADERS.tracestate, Field.plainTracestate);
  fields.set(HEADERS.attempt, Field.attempt);
  return Object.freeze({ prefix, prefixes: Object.freeze(prefixes), fields });
}

// Built once for the shipped bindings (immutable): looking names up beats building them per message.
const SHIPPED = new Map<string, EnvelopeBinding>([
  [CE_PREFIXES.kafka, envelopeBinding(CE_PREFIXES.kafka)],
  [CE_PREFIXES.amqp, envelopeBinding(CE_PREFIXES.amqp, [CE_PREFIXES.amqpColon])],
  [CE_PREFIXES.amqpColon, envelopeBinding(CE_PREFIXES.amqpColon, [CE_PREFIXES.amqp])],
]);

/** The binding for a prefix; both AMQP separators are always read together. */
export function bindingFor(prefix: string, readPrefixes?: readonly string[]): EnvelopeBinding {
  if (readPrefixes === undefined || readPrefixes.length === 0) {
    const shipped = SHIPPED.get(prefix);
    if (shipped !== undefined) return shipped;
  }
  return envelopeBinding(prefix, readPrefixes);
}

/** The prefix of `name` among the binding's, or undefined. */
export function prefixOf(name: string, binding: EnvelopeBinding): string | undefined {
  for (const prefix of binding.prefixes) if (name.startsWith(prefix)) return prefix;
  return undefined;
}

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;

function digits(s: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = digit(s, i);
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Milliseconds since epoch of an RFC 3339 `time` attribute, NaN when unreadable. The exact form
 * Switchboard writes (`2026-11-25T10:00:00.000Z`) is read without Date.parse, which was a top
 * per-message cost; any other form goes through Date.parse.
 */
export function parseEventTime(value: string): number {
  if (value.length === 24 && value.charCodeAt(23) === 90 && value.charCodeAt(10) === 84 && value.charCodeAt(19) === 46) {
    const year = digits(value, 0, 4);
    const month = digits(value, 5, 2);
    const day = digits(value, 8, 2);
    const hour = digits(value, 11, 2);
    const minute = digits(value, 14, 2);
    const second = digits(value, 17, 2);
    const milli = digits(value, 20, 3);
    if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60 && milli >= 0) {
      return Date.UTC(year, month - 1, day, hour, minute, second, milli);
    }
  }
  return Date.parse(value);
}

/** A CloudEvent read from a structured-mode body. */
export interface StructuredEvent {
  /** Every attribute except `data` / `data_base64`, as the JSON event format carries it. */
  attributes: Record<string, unknown>;
  /** `data` when present (a JSON value, or a string for non-JSON datacontenttype). */
  data?: unknown;
  /** Decoded `data_base64`, when present. */
  dataBytes?: Buffer;
  hasData: boolean;
}

/** Parses an `application/cloudevents+json` body; CodecError when it is not a JSON CloudEvent. */
export function readStructuredEvent(body: Buffer, channel: string): StructuredEvent {
  let event: unknown;
  try {
    event = JSON.parse(body.toString());
  } catch (error) {
    throw new CodecError(`A structured-mode CloudEvent on channel "${channel}" is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof (event as Record<string, unknown>)['specversion'] !== 'string') {
    throw new CodecError(`A message on channel "${channel}" says application/cloudevents+json but its body is not a CloudEvent (a JSON object with specversion)`);
  }
  const { data, data_base64: base64, ...attributes } = event as Record<string, unknown>;
  const read: StructuredEvent = { attributes, hasData: false };
  if (typeof base64 === 'string') {
    read.dataBytes = Buffer.from(base64, 'base64');
    read.hasData = true;
  } else if ('data' in (event as object)) {
    read.data = data;
    read.hasData = true;
  }
  return read;
}

/** An attribute value in its canonical string form (the JSON format allows numbers and booleans). */
export function attributeText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
