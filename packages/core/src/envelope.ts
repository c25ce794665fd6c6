import { attributeText, bindingFor, Field, fieldOf, parseEventTime, prefixOf, readStructuredEvent, type EnvelopeBinding } from './cloudevents.js';
import { JSON_CODEC, type PayloadCodec } from './codec.js';
import { CONTENT_TYPE_HEADER, isControlHeader, refuseReservedHeader, reservedHeaderReason } from './control-headers.js';
import { readDeadLetterInfo } from './dead-letter.js';
import { JSON_TYPE, kindOf, MediaKind } from './media-type.js';
import { newMessageId } from './message-id.js';
import type { Delivery, WireMessage } from './spi.js';
import { checkTraceContext, pickTraceContext, TRACE_HEADERS } from './trace-context.js';
import type { Message } from './types.js';

export { CONTENT_TYPE_HEADER, HEADERS } from './control-headers.js';

/** Per-message envelope options (a subset of the publish options). */
export interface EncodeOptions {
  /** Partition / ordering key (also written as the CloudEvents `partitionkey`). */
  key?: string;
  /** Application headers; reserved names are refused with ConfigError (see {@link reservedHeaderReason}). */
  headers?: Record<string, string>;
  /** Message id (CloudEvents `id`); default a random UUID. */
  id?: string;
  /** CloudEvents `subject` attribute. */
  subject?: string;
  /** W3C trace context, written as the CloudEvents attribute and the plain header. */
  traceparent?: string;
  /** W3C trace state, written like `traceparent`. */
  tracestate?: string;
  /** Core's own `sb-*` headers on messages core writes itself (replies); never from applications. */
  control?: Record<string, string>;
}

/** CloudEvents attribute header names for one binding prefix. */
interface AttributeNames {
  traceparent: string;
  tracestate: string;
  subject: string;
  partitionkey: string;
}

function namesFor(prefix: string): AttributeNames {
  return Object.freeze({
    traceparent: `${prefix}traceparent`,
    tracestate: `${prefix}tracestate`,
    subject: `${prefix}subject`,
    partitionkey: `${prefix}partitionkey`,
  });
}

// Built once for the shipped bindings: concatenating header names per message showed up as a
// top cost in the memory benchmark (new strings to hash on every encode and decode).
const KAFKA_NAMES = namesFor('ce_');
const AMQP_NAMES = namesFor('cloudEvents_');
const AMQP_COLON_NAMES = namesFor('cloudEvents:');

function attributeNames(prefix: string): AttributeNames {
  if (prefix === 'ce_') return KAFKA_NAMES;
  if (prefix === 'cloudEvents_') return AMQP_NAMES;
  return prefix === 'cloudEvents:' ? AMQP_COLON_NAMES : namesFor(prefix);
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * Same string as `new Date(ms).toISOString()`, about twice as fast (it ran once per published
 * message and was a top cost in the memory benchmark). Falls back outside 4-digit years.
 */
function isoTime(ms: number): string {
  // Pipelined publishing makes hundreds of messages per millisecond: they share one string.
  if (ms === lastIsoMs) return lastIso;
  lastIso = formatIsoTime(ms);
  lastIsoMs = ms;
  return lastIso;
}
let lastIsoMs = Number.NaN;
let lastIso = '';

function formatIsoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) return d.toISOString();
  const milli = d.getUTCMilliseconds();
  return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/**
 * The CloudEvents attributes as a fresh header object. Literals with constant keys for the
 * shipped bindings: V8 builds those from one template, where six computed-key stores per message
 * were a top encode cost.
 */
function baseHeaders(prefix: string, id: string, source: string, type: string, time: string, contentType: string): Record<string, string> {
  if (prefix === 'ce_') {
    return { ce_specversion: '1.0', ce_id: id, ce_source: source, ce_type: type, ce_time: time, 'content-type': contentType };
  }
  if (prefix === 'cloudEvents_') {
    return { cloudEvents_specversion: '1.0', cloudEvents_id: id, cloudEvents_source: source, cloudEvents_type: type, cloudEvents_time: time, 'content-type': contentType };
  }
  if (prefix === 'cloudEvents:') {
    return { 'cloudEvents:specversion': '1.0', 'cloudEvents:id': id, 'cloudEvents:source': source, 'cloudEvents:type': type, 'cloudEvents:time': time, 'content-type': contentType };
  }
  return { [`${prefix}specversion`]: '1.0', [`${prefix}id`]: id, [`${prefix}source`]: source, [`${prefix}type`]: type, [`${prefix}time`]: time, [CONTENT_TYPE_HEADER]: contentType };
}

/**
 * Builds the wire form of a message: the body from the channel's codec plus CloudEvents
 * binary-mode attributes as headers, named with the backend's binding prefix. The key is also
 * written as the `partitionkey` attribute and the trace context both as plain W3C headers and as
 * attributes. Throws CodecError (payload) or ConfigError (reserved header, malformed trace context).
 */
export function encodeMessage(payload: unknown, source: string, type: string, prefix: string, options?: EncodeOptions, codec: PayloadCodec = JSON_CODEC): WireMessage {
  const body = codec.encode(payload);
  const id = options?.id ?? newMessageId();
  const now = Date.now();
  const headers = baseHeaders(prefix, id, source, type, isoTime(now), codec.contentType(payload));
  const wire: WireMessage = { body, headers, id, timestamp: now };
  if (options === undefined) return wire;
  const names = attributeNames(prefix);
  let traceparent = options.traceparent;
  let tracestate = options.tracestate;
  const application = options.headers;
  if (application !== undefined) {
    for (const name in application) {
      const value = application[name] as string;
      // What OpenTelemetry's propagator injects into a headers carrier is taken as the trace context.
      if (name === TRACE_HEADERS.traceparent) {
        if (options.traceparent === undefined) traceparent = value;
        continue;
      }
      if (name === TRACE_HEADERS.tracestate) {
        if (options.traceparent === undefined) tracestate = value;
        continue;
      }
      const reason = reservedHeaderReason(name);
      if (reason !== undefined) refuseReservedHeader(name, codec.channel || type, reason);
      headers[name] = String(value);
    }
  }
  if (traceparent !== undefined || tracestate !== undefined) {
    checkTraceContext(traceparent, tracestate, codec.channel || type);
    headers[names.traceparent] = traceparent as string;
    headers[TRACE_HEADERS.traceparent] = traceparent as string;
    if (tracestate !== undefined) {
      headers[names.tracestate] = tracestate;
      headers[TRACE_HEADERS.tracestate] = tracestate;
    }
  }
  if (options.subject !== undefined) headers[names.subject] = options.subject;
  if (options.key !== undefined) {
    wire.key = options.key;
    // The partitioning extension: the key travels as an attribute on every binding (on Kafka beside the record key).
    headers[names.partitionkey] = options.key;
  }
  const control = options.control;
  if (control !== undefined) for (const name in control) headers[name] = control[name] as string;
  return wire;
}

/** How a message is decoded: the channel's codec, and whether it is read as a dead letter. */
export interface DecodeOptions {
  /** The channel's codec; default JSON. */
  codec?: PayloadCodec;
  /** Set on `<channel>.dead` channels: read the `sb-dead-*` details into `message.deadLetter`. */
  deadLetterChannel?: string;
  /** Hand over the body as it is, whatever its content type (the last resort for dead letters). */
  raw?: boolean;
}

/** What structured mode contributes to a message, merged over the binary-mode headers. */
interface EventFields {
  id: string | undefined;
  source: string | undefined;
  type: string | undefined;
  time: string | undefined;
  subject: string | undefined;
  dataschema: string | undefined;
  traceparent: string | undefined;
  tracestate: string | undefined;
  partitionkey: string | undefined;
  datacontenttype: string | undefined;
  extensions: Record<string, string> | undefined;
}

const EMPTY = Buffer.alloc(0);

/** Decodes the `data` of a structured-mode event with the channel's codec, by its datacontenttype. */
function structuredPayload(body: Buffer, codec: PayloadCodec, fields: EventFields): unknown {
  const event = readStructuredEvent(body, codec.channel);
  const extensions: Record<string, string> = {};
  let hasExtensions = false;
  for (const name in event.attributes) {
    const text = attributeText(event.attributes[name]);
    if (text === undefined) continue;
    switch (name) {
      case 'specversion':
        break;
      case 'id':
      case 'source':
      case 'type':
      case 'time':
      case 'subject':
      case 'dataschema':
      case 'traceparent':
      case 'tracestate':
      case 'partitionkey':
      case 'datacontenttype':
        fields[name] = text;
        break;
      default:
        extensions[name] = text;
        hasExtensions = true;
    }
  }
  if (hasExtensions) fields.extensions = extensions;
  const dataType = fields.datacontenttype;
  if (event.dataBytes !== undefined) return codec.decode(event.dataBytes, dataType);
  if (!event.hasData) return codec.decode(EMPTY, dataType);
  // The JSON event format holds JSON data as a JSON value and any other type as a string.
  if (dataType === undefined || kindOf(dataType) === MediaKind.json) {
    return codec.name === 'json' ? event.data : codec.decode(Buffer.from(JSON.stringify(event.data)), dataType ?? JSON_TYPE);
  }
  return codec.decode(Buffer.from(typeof event.data === 'string' ? event.data : JSON.stringify(event.data)), dataType);
}

/**
 * Reads the envelope back into the message a handler receives, in one pass over the headers
 * (this runs once per delivered message). The message's own content type decides how its body is
 * read (structured-mode CloudEvents included), the channel's codec decides when it has none.
 * Throws CodecError on an undecodable body; the runner dead-letters it.
 *
 * Control headers are not trusted from the wire: `sb-attempt` only on deliveries that offer
 * `retryLater` (the backend routed the retry itself), `sb-dead-*` only on dead-letter channels.
 */
export function decodeMessage(delivery: Delivery | WireMessage, binding: string | EnvelopeBinding, options?: DecodeOptions): Message {
  const env = typeof binding === 'string' ? bindingFor(binding) : binding;
  const codec = options?.codec ?? JSON_CODEC;
  const all = delivery.headers;
  const headers: Record<string, string> = {};
  // Locals, not an object: this runs per message and every attribute is optional.
  let id: string | undefined;
  let source: string | undefined;
  let type: string | undefined;
  let time: string | undefined;
  let subject: string | undefined;
  let dataschema: string | undefined;
  let traceparent: string | undefined;
  let tracestate: string | undefined;
  let partitionkey: string | undefined;
  let datacontenttype: string | undefined;
  let contentType: string | undefined;
  let plainParent: string | undefined;
  let plainState: string | undefined;
  let attemptHeader: string | undefined;
  let extensions: Record<string, string> | undefined;
  for (const name in all) {
    const value = all[name] as string;
    const field = fieldOf(name, env);
    if (field !== Field.none) {
      switch (field) {
        case Field.id:
          id = value;
          break;
        case Field.source:
          source = value;
          break;
        case Field.type:
          type = value;
          break;
        case Field.time:
          time = value;
          break;
        case Field.subject:
          subject = value;
          break;
        case Field.dataschema:
          dataschema = value;
          break;
        case Field.traceparent:
          traceparent = value;
          break;
        case Field.tracestate:
          tracestate = value;
          break;
        case Field.partitionkey:
          partitionkey = value;
          break;
        case Field.datacontenttype:
          datacontenttype = value;
          break;
        case Field.contentType:
          contentType = value;
          break;
        case Field.plainTraceparent:
          plainParent = value;
          break;
        case Field.plainTracestate:
          plainState = value;
          break;
        case Field.attempt:
          attemptHeader = value;
          break;
        case Field.extension:
          (extensions ??= {})[name.slice((prefixOf(name, env) as string).length)] = value;
          break;
      }
      continue;
    }
    if (!isControlHeader(name)) headers[name] = value;
  }
  // Binary mode maps datacontenttype onto the protocol's content type; a producer that sent the attribute instead is read too.
  contentType ??= datacontenttype;
  const tombstone = delivery.tombstone === true;
  let payload: unknown;
  let payloadType = contentType;
  if (options?.raw === true) {
    payload = delivery.body;
  } else if (tombstone) {
    payload = codec.tombstone;
  } else if (contentType !== undefined && kindOf(contentType) === MediaKind.cloudEvent) {
    // Structured mode: the event's own attributes win over any binary-mode headers beside it.
    const event: EventFields = { id, source, type, time, subject, dataschema, traceparent, tracestate, partitionkey, datacontenttype: undefined, extensions: undefined };
    payload = structuredPayload(delivery.body, codec, event);
    ({ id, source, type, time, subject, dataschema, traceparent, tracestate, partitionkey } = event);
    payloadType = event.datacontenttype;
    if (event.extensions !== undefined) extensions = { ...extensions, ...event.extensions };
  } else {
    payload = codec.decode(delivery.body, contentType);
  }
  const ms = time === undefined ? Number.NaN : parseEventTime(time);
  const retried = (delivery as Partial<Delivery>).retryLater !== undefined;
  const attempt = retried && attemptHeader !== undefined ? Number(attemptHeader) : 1;
  const message: Message = {
    payload,
    id: id ?? delivery.id,
    headers,
    // The event's own time wins on every backend; the transport's time only stands in without one.
    timestamp: new Date(Number.isNaN(ms) ? delivery.timestamp : ms),
    type: type ?? '',
    source: source ?? '',
    attempt: Number.isSafeInteger(attempt) && attempt >= 1 ? attempt : 1,
    redelivered: (delivery as Partial<Delivery>).redelivered === true,
  };
  const key = delivery.key ?? partitionkey;
  if (key !== undefined) message.key = key;
  if (delivery.priority !== undefined) message.priority = delivery.priority;
  const position = (delivery as Partial<Delivery>).position;
  if (position !== undefined) message.position = position;
  if (plainParent !== undefined || traceparent !== undefined) {
    const trace = pickTraceContext(plainParent, plainState, traceparent, tracestate);
    if (trace?.traceparent !== undefined) message.traceparent = trace.traceparent;
    if (trace?.tracestate !== undefined) message.tracestate = trace.tracestate;
  }
  if (payloadType !== undefined) message.contentType = payloadType;
  if (subject !== undefined) message.subject = subject;
  if (dataschema !== undefined) message.dataschema = dataschema;
  if (extensions !== undefined) message.extensions = extensions;
  if (tombstone) message.tombstone = true;
  const deadChannel = options?.deadLetterChannel;
  if (deadChannel !== undefined) {
    message.deadLetter = readDeadLetterInfo(all, deadChannel, { id: message.id, body: delivery.body, contentType, timestamp: message.timestamp.getTime() });
  }
  return message;
}

export { deadLetterInfo } from './dead-letter.js';
export type { DeadLetterInfo } from './dead-letter.js';
