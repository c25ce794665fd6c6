import { CodecError, SwitchboardError } from './errors.js';
import { BYTES_TYPE, charsetOf, essenceOf, JSON_TYPE, kindOf, MediaKind, TEXT_TYPE } from './media-type.js';

/**
 * A payload codec for formats Switchboard does not know (Avro, Protobuf, MessagePack, …):
 * declare it as a channel's `codec`. Encoding writes `contentType` on every message; decoding is
 * used for messages that carry one of the codec's content types, or none at all.
 */
export interface Codec<T = unknown> {
  /** Media type written on every message this codec encodes, e.g. `application/avro`. */
  readonly contentType: string;
  /**
   * Further media types this codec decodes besides `contentType`, e.g. `application/x-msgpack`.
   * Compared case-insensitively, parameters ignored.
   */
  readonly accepts?: readonly string[];
  /** Payload → message body. A string is sent as UTF-8. Throwing rejects the publish with CodecError. */
  encode(payload: T): Uint8Array | string;
  /** Message body → payload. Throwing dead-letters the message with CodecError (its bytes kept). */
  decode(body: Buffer, contentType: string | undefined): T;
}

/** What a channel declares as `codec`: a built-in by name, or a {@link Codec}. */
export type CodecOption = 'json' | 'text' | 'bytes' | Codec<any>;

/** A channel's codec as core runs it: one instance per channel, named in its errors. */
export interface PayloadCodec {
  /** `json`, `text`, `bytes`, or the custom codec's content type. */
  readonly name: string;
  /** The channel it belongs to ('' when none), for error messages. */
  readonly channel: string;
  /** Content type of the encoded payload. */
  contentType(payload: unknown): string;
  /** Payload → body; throws CodecError. */
  encode(payload: unknown): Buffer;
  /** Body → payload, given the message's own content type (undefined: none); throws CodecError. */
  decode(body: Buffer, contentType: string | undefined): unknown;
  /** What a tombstone (a Kafka record without a value) carries as payload. */
  readonly tombstone: unknown;
}

const EMPTY = Buffer.alloc(0);

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function where(channel: string): string {
  return channel === '' ? '' : ` on channel "${channel}"`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `a ${(value as object).constructor?.name ?? 'object'}` : `a ${typeof value}`;
}

/** Parses a JSON body; an empty body has no JSON value and decodes to undefined. */
export function parseJson(body: Buffer, contentType: string | undefined, channel: string): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString());
  } catch (error) {
    const type = contentType === undefined ? 'no content type, so the channel codec json' : `content type "${contentType}"`;
    throw new CodecError(`The body of a message${where(channel)} is not valid JSON (${type}): ${(error as Error).message}`, { cause: error });
  }
}

/** Decodes text in the charset its content type names (UTF-8 when it names none). */
export function decodeText(body: Buffer, contentType: string | undefined, channel: string): string {
  if (contentType === undefined || contentType === TEXT_TYPE || contentType.indexOf(';') === -1) return body.toString();
  const charset = charsetOf(contentType);
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return body.toString();
  if (charset === 'iso-8859-1' || charset === 'latin1' || charset === 'us-ascii' || charset === 'ascii') return body.toString('latin1');
  try {
    return new TextDecoder(charset).decode(body);
  } catch (error) {
    throw new CodecError(`A message${where(channel)} declares charset "${charset}", which this runtime cannot decode`, { cause: error });
  }
}

function jsonCodec(channel: string): PayloadCodec {
  return {
    name: 'json',
    channel,
    tombstone: null,
    contentType: (payload) => (payload instanceof Uint8Array ? BYTES_TYPE : JSON_TYPE),
    encode(payload) {
      // Bytes on a JSON channel are sent as they are (application/octet-stream).
      if (payload instanceof Uint8Array) return asBuffer(payload);
      let text: string | undefined;
      try {
        // undefined has no JSON form; null is its closest faithful stand-in.
        text = JSON.stringify(payload ?? null);
      } catch (error) {
        throw new CodecError(`The payload${where(channel)} cannot be encoded as JSON: ${(error as Error).message}`, { cause: error });
      }
      if (text === undefined) throw new CodecError(`The payload${where(channel)} has no JSON form (${describeValue(payload)})`);
      return Buffer.from(text);
    },
    decode(body, contentType) {
      if (contentType === undefined) return parseJson(body, contentType, channel);
      const kind = kindOf(contentType);
      if (kind === MediaKind.json) return parseJson(body, contentType, channel);
      if (kind === MediaKind.text) return decodeText(body, contentType, channel);
      return body;
    },
  };
}

function textCodec(channel: string): PayloadCodec {
  return {
    name: 'text',
    channel,
    tombstone: '',
    contentType: () => TEXT_TYPE,
    encode(payload) {
      if (typeof payload !== 'string') throw new CodecError(`Channel "${channel}" has codec 'text': publish a string (got ${describeValue(payload)})`);
      return Buffer.from(payload);
    },
    decode(body, contentType) {
      // JSON is text too: a text channel receives it unparsed.
      if (contentType === undefined || kindOf(contentType) !== MediaKind.other) return decodeText(body, contentType, channel);
      throw new CodecError(
        `Channel "${channel}" has codec 'text' but a message arrived with content type "${contentType}", which is not text; ` +
          "declare codec 'bytes' or 'json' to receive it, or fix the producer's content type",
      );
    },
  };
}

function bytesCodec(channel: string): PayloadCodec {
  return {
    name: 'bytes',
    channel,
    tombstone: EMPTY,
    contentType: () => BYTES_TYPE,
    encode(payload) {
      if (payload instanceof Uint8Array) return asBuffer(payload);
      if (payload instanceof ArrayBuffer) return Buffer.from(payload);
      throw new CodecError(`Channel "${channel}" has codec 'bytes': publish a Buffer or Uint8Array (got ${describeValue(payload)})`);
    },
    // Whatever the content type says, a bytes channel hands over the body as it arrived.
    decode: (body) => body,
  };
}

function customCodec(codec: Codec, channel: string): PayloadCodec {
  const claimed = new Set([codec.contentType, ...(codec.accepts ?? [])].map(essenceOf));
  const name = codec.contentType;
  return {
    name,
    channel,
    tombstone: null,
    contentType: () => codec.contentType,
    encode(payload) {
      let out: unknown;
      try {
        out = codec.encode(payload);
      } catch (error) {
        throw new CodecError(`The ${name} codec of channel "${channel}" could not encode the payload: ${(error as Error).message}`, { cause: error });
      }
      if (typeof out === 'string') return Buffer.from(out);
      if (out instanceof Uint8Array) return asBuffer(out);
      throw new CodecError(`The ${name} codec of channel "${channel}" returned ${describeValue(out)} from encode(); return a Uint8Array or a string`);
    },
    decode(body, contentType) {
      if (contentType !== undefined && !claimed.has(essenceOf(contentType))) {
        throw new CodecError(
          `Channel "${channel}" decodes ${[...claimed].join(', ')} but a message arrived with content type "${contentType}"; ` +
            "add it to the codec's accepts if the codec can read it, or declare codec 'json' or 'bytes'",
        );
      }
      try {
        return codec.decode(body, contentType);
      } catch (error) {
        if (SwitchboardError.is(error)) throw error;
        throw new CodecError(`The ${name} codec of channel "${channel}" could not decode a message: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

/** The codec a channel runs with. `channel` names the channel in errors. */
export function resolveCodec(option: CodecOption | undefined, channel: string): PayloadCodec {
  if (option === undefined || option === 'json') return jsonCodec(channel);
  if (option === 'text') return textCodec(channel);
  if (option === 'bytes') return bytesCodec(channel);
  return customCodec(option, channel);
}

/** The default codec where no channel is known (decodeMessage without one, replies). */
export const JSON_CODEC: PayloadCodec = Object.freeze(jsonCodec(''));
