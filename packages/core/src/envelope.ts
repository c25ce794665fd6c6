import { randomUUID } from 'node:crypto';
import type { Delivery, WireMessage } from './spi.js';
import type { Message } from './types.js';

/** Switchboard's own headers (not CloudEvents attributes). */
export const HEADERS = {
  attempt: 'sb-attempt',
  /** Epoch ms after which the message is dropped unhandled (set from `ttlMs`, counted from when it is due). */
  expiresAt: 'sb-expires-at',
  deadError: 'sb-dead-error',
  deadErrorCode: 'sb-dead-error-code',
  deadAttempts: 'sb-dead-attempts',
  deadChannel: 'sb-dead-channel',
  deadGroup: 'sb-dead-group',
  deadTime: 'sb-dead-time',
  /** Set on a reduced dead letter: the original application headers were left out to fit the broker's limit. */
  deadHeadersDropped: 'sb-dead-headers-dropped',
  replyError: 'sb-reply-error',
  replyErrorCode: 'sb-reply-error-code',
} as const;

export const CONTENT_TYPE_HEADER = 'content-type';
const JSON_TYPE = 'application/json';
const BYTES_TYPE = 'application/octet-stream';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** Per-message envelope options (a subset of the publish options). */
export interface EncodeOptions {
  key?: string;
  headers?: Record<string, string>;
  id?: string;
  traceparent?: string;
  tracestate?: string;
}

function contentTypeOf(payload: unknown): string {
  return payload instanceof Uint8Array ? BYTES_TYPE : JSON_TYPE;
}

function encodeBody(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  // undefined has no JSON form; null is its closest faithful stand-in.
  return Buffer.from(JSON.stringify(payload ?? null));
}

function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  if (contentType === undefined || contentType.startsWith(JSON_TYPE)) return body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  if (contentType.startsWith('text/')) return body.toString('utf8');
  return body;
}

/** CloudEvents attribute header names for one binding prefix. */
interface AttributeNames {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time: string;
  traceparent: string;
  tracestate: string;
}

function namesFor(prefix: string): AttributeNames {
  return Object.freeze({
    specversion: `${prefix}specversion`,
    id: `${prefix}id`,
    source: `${prefix}source`,
    type: `${prefix}type`,
    time: `${prefix}time`,
    traceparent: `${prefix}traceparent`,
    tracestate: `${prefix}tracestate`,
  });
}

// Built once for the shipped bindings: concatenating header names per message showed up as a
// top cost in the memory benchmark (new strings to hash on every encode and decode).
const KAFKA_NAMES = namesFor('ce_');
const AMQP_NAMES = namesFor('cloudEvents:');

function attributeNames(prefix: string): AttributeNames {
  return prefix === 'ce_' ? KAFKA_NAMES : prefix === 'cloudEvents:' ? AMQP_NAMES : namesFor(prefix);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * Same string as `new Date(ms).toISOString()`, about twice as fast (it ran once per published
 * message and was a top cost in the memory benchmark). Falls back outside 4-digit years.
 */
function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) return d.toISOString();
  const milli = d.getUTCMilliseconds();
  return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/**
 * The CloudEvents attributes as a fresh header object. Literals with constant keys for the two
 * shipped bindings: V8 builds those from one template, where six computed-key stores per message
 * were a top encode cost.
 */
function baseHeaders(prefix: string, id: string, source: string, type: string, time: string, contentType: string): Record<string, string> {
  if (prefix === 'ce_') {
    return { ce_specversion: '1.0', ce_id: id, ce_source: source, ce_type: type, ce_time: time, 'content-type': contentType };
  }
  if (prefix === 'cloudEvents:') {
    return { 'cloudEvents:specversion': '1.0', 'cloudEvents:id': id, 'cloudEvents:source': source, 'cloudEvents:type': type, 'cloudEvents:time': time, 'content-type': contentType };
  }
  const names = attributeNames(prefix);
  return { [names.specversion]: '1.0', [names.id]: id, [names.source]: source, [names.type]: type, [names.time]: time, [CONTENT_TYPE_HEADER]: contentType };
}

/**
 * Builds the wire form of a message: body plus CloudEvents binary-mode attributes as headers,
 * named with the backend's binding prefix (`ce_` for Kafka, `cloudEvents:` for AMQP).
 */
export function encodeMessage(payload: unknown, source: string, type: string, prefix: string, options?: EncodeOptions): WireMessage {
  const body = encodeBody(payload);
  const id = options?.id ?? randomUUID();
  const now = Date.now();
  const names = attributeNames(prefix);
  const headers = baseHeaders(prefix, id, source, type, isoTime(now), contentTypeOf(payload));
  const wire: WireMessage = { body, headers, id, timestamp: now };
  if (options === undefined) return wire;
  if (options.traceparent !== undefined) headers[names.traceparent] = options.traceparent;
  if (options.tracestate !== undefined) headers[names.tracestate] = options.tracestate;
  if (options.headers !== undefined) {
    for (const name in options.headers) {
      if (name.startsWith(prefix) || name === CONTENT_TYPE_HEADER) continue;
      headers[name] = String(options.headers[name]);
    }
  }
  if (options.key !== undefined) wire.key = options.key;
  return wire;
}

/**
 * Reads the envelope back into the message a handler receives, in one pass (this runs once per
 * delivered message). Throws on an undecodable body; the runner dead-letters it.
 */
export function decodeMessage(delivery: Delivery | WireMessage, prefix: string): Message {
  const all = delivery.headers;
  const headers: Record<string, string> = {};
  for (const name in all) {
    if (name.startsWith(prefix) || name === CONTENT_TYPE_HEADER || name === HEADERS.attempt || name === HEADERS.expiresAt) continue;
    headers[name] = all[name] as string;
  }
  const names = attributeNames(prefix);
  const time = all[names.time];
  const attempt = Number(all[HEADERS.attempt] ?? 1);
  const message: Message = {
    payload: decodeBody(delivery.body, all[CONTENT_TYPE_HEADER]),
    id: all[names.id] ?? delivery.id,
    headers,
    // Backends carry the publish time in ms (from this header where the protocol is coarser), so
    // the header is parsed only as a fallback: Date parsing was a top per-message cost.
    timestamp: delivery.timestamp > 0 || time === undefined ? new Date(delivery.timestamp) : new Date(time),
    type: all[names.type] ?? '',
    source: all[names.source] ?? '',
    attempt: Number.isFinite(attempt) && attempt >= 1 ? attempt : 1,
    redelivered: (delivery as Partial<Delivery>).redelivered === true,
  };
  if (delivery.key !== undefined) message.key = delivery.key;
  if (delivery.priority !== undefined) message.priority = delivery.priority;
  const position = (delivery as Partial<Delivery>).position;
  if (position !== undefined) message.position = position;
  const traceparent = all[names.traceparent];
  if (traceparent !== undefined) message.traceparent = traceparent;
  const tracestate = all[names.tracestate];
  if (tracestate !== undefined) message.tracestate = tracestate;
  return message;
}

/** Why a message was dead-lettered, read from a dead letter's headers. */
export interface DeadLetterInfo {
  error: string;
  errorCode: string;
  attempts: number;
  channel: string;
  group?: string;
  time: Date;
}

/** The dead-letter details of a message received from a `<channel>.dead` channel, else undefined. */
export function deadLetterInfo(message: { headers: Record<string, string> }): DeadLetterInfo | undefined {
  const h = message.headers;
  const channel = h[HEADERS.deadChannel];
  if (channel === undefined) return undefined;
  const info: DeadLetterInfo = {
    error: h[HEADERS.deadError] ?? '',
    errorCode: h[HEADERS.deadErrorCode] ?? '',
    attempts: Number(h[HEADERS.deadAttempts] ?? 0),
    channel,
    time: new Date(h[HEADERS.deadTime] ?? 0),
  };
  const group = h[HEADERS.deadGroup];
  if (group !== undefined) info.group = group;
  return info;
}
