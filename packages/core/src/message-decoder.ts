import type { EnvelopeBinding } from './cloudevents.js';
import { resolveCodec, type PayloadCodec } from './codec.js';
import { decodeMessage } from './envelope.js';
import type { Delivery } from './spi.js';
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
export function createMessageDecoder(channel: string, binding: EnvelopeBinding, rules: PayloadRules): MessageDecoder {
  const { codec, schema } = rules;
  return (delivery) => {
    const message = decodeMessage(delivery, binding, { codec });
    if (schema !== undefined) message.payload = validatePayload(schema, message.payload, channel, 'received');
    return message;
  };
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
