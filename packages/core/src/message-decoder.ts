import type { EnvelopeBinding } from './cloudevents.js';
import { resolveCodec, type PayloadCodec } from './codec.js';
import { CONTENT_TYPE_HEADER, HEADERS } from './control-headers.js';
import { decodeMessage } from './envelope.js';
import { kindOf, MediaKind } from './media-type.js';
import type { DecodeSlot, Delivery } from './spi.js';
import type { Message } from './types.js';
import { validatePayload, type SafeParser } from './validation.js';

/** How a channel's payloads are read: its codec, then its schema. */
export interface PayloadRules {
  codec: PayloadCodec;
  schema?: SafeParser;
}

/** Turns a delivery into the handler's message; throws CodecError / SchemaError for the runner to dead-letter. */
export type MessageDecoder = (delivery: Delivery) => Message;

/** Decoder of an ordinary channel: content type or codec, then the schema. */
export function createMessageDecoder(channel: string, binding: EnvelopeBinding, rules: PayloadRules, scope?: object): MessageDecoder {
  const { codec, schema } = rules;
  const options = { codec };
  return (delivery) => {
    const shared = scope === undefined ? undefined : delivery.shared;
    const message = shared === undefined ? decodeMessage(delivery, binding, options) : decodeShared(delivery, shared, scope as object, binding, codec);
    if (schema !== undefined) message.payload = validatePayload(schema, message.payload, channel, 'received');
    return message;
  };
}

/** A message as first decoded, kept untouched for the other deliveries of the same stored message. */
interface SharedDecode {
  /** The channel runtime whose codec decoded it (a broker can be shared by buses with other codecs). */
  scope: object;
  message: Message;
  /** False when each delivery decodes the body again (see decodeShared). */
  payloadShared: boolean;
}

/**
 * Decodes a delivery whose stored message other deliveries share (fanout): the envelope is read
 * once and copied for each group. Each handler still gets its own `Message`, `headers`,
 * `extensions` and `timestamp` objects, so one group changing them is never seen by another.
 * The payload is shared only where sharing is what every delivery got before: the body buffer
 * itself (bytes, and binary payloads on JSON channels: the broker hands every group the same
 * buffer anyway) and primitives (text). Decoded objects (JSON) are parsed again per delivery, so
 * a handler mutating its payload cannot reach another group's.
 */
function decodeShared(delivery: Delivery, slot: DecodeSlot, scope: object, binding: EnvelopeBinding, codec: PayloadCodec): Message {
  const cached = slot.decoded as SharedDecode | undefined;
  if (cached !== undefined && cached.scope === scope) return copyDecoded(cached, delivery, codec);
  const message = decodeMessage(delivery, binding, { codec });
  // Structured mode (the payload is inside the event) and messages without a content type of their own are not kept.
  const wireType = delivery.headers[CONTENT_TYPE_HEADER];
  if (message.tombstone === true || wireType === undefined || kindOf(wireType) === MediaKind.cloudEvent) return message;
  const payload = message.payload;
  const payloadShared = payload === delivery.body || payload === null || (typeof payload !== 'object' && typeof payload !== 'function');
  const pristine: Message = { ...message, headers: { ...message.headers } };
  if (message.extensions !== undefined) pristine.extensions = { ...message.extensions };
  pristine.timestamp = new Date(message.timestamp.getTime());
  slot.decoded = { scope, message: pristine, payloadShared } satisfies SharedDecode;
  return message;
}

function copyDecoded(cached: SharedDecode, delivery: Delivery, codec: PayloadCodec): Message {
  const from = cached.message;
  const message: Message = { ...from };
  message.headers = { ...from.headers };
  message.timestamp = new Date(from.timestamp.getTime());
  message.redelivered = (delivery as Partial<Delivery>).redelivered === true;
  if (from.extensions !== undefined) message.extensions = { ...from.extensions };
  if (!cached.payloadShared) message.payload = codec.decode(delivery.body, from.contentType);
  // Trusted only on deliveries that offer retryLater (see decodeMessage).
  const attemptHeader = delivery.headers[HEADERS.attempt];
  const attempt = delivery.retryLater !== undefined && attemptHeader !== undefined ? Number(attemptHeader) : 1;
  message.attempt = Number.isSafeInteger(attempt) && attempt >= 1 ? attempt : 1;
  return message;
}

/**
 * Decoder of a `<channel>.dead` channel. It never throws, so a dead letter is never dead-lettered
 * again: it first reads the letter the way the original channel does (`original`, when this bus
 * knows that channel's declaration) and marks it `valid`; when that fails (the reason it died),
 * it reads it by its content type with the dead channel's own codec, and as raw bytes when even
 * that fails. `message.deadLetter` carries why it died and the original bytes either way.
 */
export function createDeadLetterDecoder(channel: string, binding: EnvelopeBinding, own: PayloadRules, original: PayloadRules | undefined): MessageDecoder {
  const first = original ?? own;
  const fallback = own.codec;
  return (delivery) => {
    let message: Message;
    let valid = true;
    try {
      message = decodeMessage(delivery, binding, { codec: first.codec, deadLetterChannel: channel });
      if (first.schema !== undefined) message.payload = validatePayload(first.schema, message.payload, channel, 'received');
    } catch {
      valid = false;
      try {
        message = decodeMessage(delivery, binding, { codec: fallback, deadLetterChannel: channel });
      } catch {
        message = decodeMessage(delivery, binding, { codec: fallback, deadLetterChannel: channel, raw: true });
      }
    }
    (message as Message & { valid: boolean }).valid = valid;
    return message;
  };
}

/** Payload rules from a channel declaration's `codec` and `schema`. */
export function payloadRules(channel: string, spec: { codec?: unknown; schema?: unknown }): PayloadRules {
  const rules: PayloadRules = { codec: resolveCodec(spec.codec as Parameters<typeof resolveCodec>[0], channel) };
  if (spec.schema !== undefined) rules.schema = spec.schema as SafeParser;
  return rules;
}
