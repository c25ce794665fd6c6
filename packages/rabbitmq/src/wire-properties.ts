import { randomUUID } from 'node:crypto';
import type { ConsumeMessage, Options } from 'amqplib';
import { CONTENT_TYPE_HEADER, HEADERS, type WireMessage } from '@switchboard/core';

/**
 * CloudEvents AMQP binding: attributes are application properties named `cloudEvents_<attr>` or
 * `cloudEvents:<attr>`. The binding's current text prefers `_` (JMS 2.0 clients and selectors
 * cannot use `:`); both are read, the configured one is written.
 */
export const HEADER_PREFIX = 'cloudEvents_';
export const COLON_PREFIX = 'cloudEvents:';
export const READ_PREFIXES = [HEADER_PREFIX, COLON_PREFIX] as const;
/** The ordering key travels as the CloudEvents partitioning extension, so other consumers can read it. */
export const KEY_HEADER = `${HEADER_PREFIX}partitionkey`;
const COLON_KEY_HEADER = `${COLON_PREFIX}partitionkey`;
/**
 * Absolute expiry (ms since epoch) of a message whose `expiration` property is busy carrying a
 * delay: the broker drops `expiration` when it dead-letters, so the consumer checks this instead.
 */
export const EXPIRES_HEADER = 'x-switchboard-expires-at';

/** Headers the broker adds on its own; they are not the application's and must not be re-published. */
const BROKER_HEADER = /^x-(death|first-death-|last-death-|stream-|switchboard-)/;
/**
 * Picks the delay queue on a key-routed channel's delay exchange. Not `x-` prefixed: a headers
 * exchange ignores binding arguments that are. Dropped on receipt like the broker's own headers.
 */
export const DELAY_BUCKET_HEADER = 'switchboard-delay-bucket';

export interface PublishPlan {
  content: Buffer;
  options: Options.Publish;
}

/**
 * AMQP properties for a wire message. `content-type` becomes the contentType property, `id` the
 * messageId, `ttlMs` the expiration; `delayMs` instead makes `expiration` the delay (the message
 * goes to a delay queue) and moves the TTL into a header.
 */
export function toPublish(message: WireMessage, extra: { delayMs?: number; expiresAt?: number } = {}): PublishPlan {
  // One message uses one separator (the binding requires it): the key follows the message's own attributes.
  const keyHeader = message.headers[`${COLON_PREFIX}specversion`] === undefined ? KEY_HEADER : COLON_KEY_HEADER;
  const headers: Record<string, string | number> = {};
  let contentType: string | undefined;
  for (const name in message.headers) {
    const value = message.headers[name] as string;
    if (name === CONTENT_TYPE_HEADER) contentType = value;
    else headers[name] = value;
  }
  if (message.key !== undefined) headers[keyHeader] = message.key;
  const options: Options.Publish = {
    headers,
    messageId: message.id,
    // AMQP timestamps are whole seconds; the CloudEvents `time` header keeps milliseconds.
    timestamp: Math.floor(message.timestamp / 1000),
    persistent: true,
  };
  if (contentType !== undefined) options.contentType = contentType;
  if (message.priority !== undefined) options.priority = message.priority;
  let expiresAt = extra.expiresAt;
  if (extra.delayMs !== undefined) {
    options.expiration = String(extra.delayMs);
    if (message.ttlMs !== undefined) expiresAt = Date.now() + extra.delayMs + message.ttlMs;
  } else if (message.ttlMs !== undefined) {
    options.expiration = String(message.ttlMs);
  }
  if (expiresAt !== undefined) headers[EXPIRES_HEADER] = expiresAt;
  return { content: message.body, options };
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** What a received AMQP message carries, in wire form, plus the bits the backend acts on. */
export interface Received {
  wire: WireMessage;
  /** Absolute expiry set by a delayed publish with a TTL. */
  expiresAt?: number;
  /** Stream offset (`x-stream-offset`) on stream deliveries. */
  offset?: number;
}

/**
 * Reads a delivery back into wire form (string headers only; AMQP typed values are stringified).
 * The retry attempt and the delayed-TTL expiry are Switchboard's own headers that only ever come
 * back through a delay queue, which the broker marks with `x-death`; without it they were set by
 * a foreign publisher and are dropped.
 *
 * Id: `message_id`, else the CloudEvents id, else the stream offset (replay), else a random id.
 * Classic and quorum queues give a consumer no identity of its own for a message (the delivery
 * tag restarts per channel), so such an id is unique but not stable across broker redeliveries;
 * Switchboard's own retries keep it (the retry copy carries it as `message_id`).
 */
export function fromDelivery(message: ConsumeMessage): Received {
  const props = message.properties;
  const raw = (props.headers ?? {}) as Record<string, unknown>;
  const headers: Record<string, string> = {};
  let key: string | undefined;
  let expiresAt: number | undefined;
  let offset: number | undefined;
  let routedByBroker = false;
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || value === null) continue;
    if (name === KEY_HEADER || name === COLON_KEY_HEADER) key = headerText(value);
    else if (name === EXPIRES_HEADER) expiresAt = Number(value);
    else if (name === 'x-death') routedByBroker = true;
    else if (name === 'x-stream-offset') offset = Number(value);
    else if (name === DELAY_BUCKET_HEADER) continue;
    // Most headers do not start with `x-`: skip the pattern for them (this runs per header, per message).
    else if (name.charCodeAt(0) !== 120 || name.charCodeAt(1) !== 45 || !BROKER_HEADER.test(name)) headers[name] = typeof value === 'string' ? value : headerText(value);
  }
  if (!routedByBroker) {
    expiresAt = undefined;
    if (headers[HEADERS.attempt] !== undefined) delete headers[HEADERS.attempt];
  }
  if (typeof props.contentType === 'string') headers[CONTENT_TYPE_HEADER] = props.contentType;
  const id =
    typeof props.messageId === 'string' && props.messageId !== ''
      ? props.messageId
      : (headers[`${HEADER_PREFIX}id`] ?? headers[`${COLON_PREFIX}id`] ?? (offset !== undefined ? `stream-offset-${offset}` : randomUUID()));
  const time = headers[`${HEADER_PREFIX}time`] ?? headers[`${COLON_PREFIX}time`];
  const timestamp = time !== undefined ? Date.parse(time) : typeof props.timestamp === 'number' ? props.timestamp * 1000 : Date.now();
  const wire: WireMessage = { body: message.content, headers, id, timestamp: Number.isNaN(timestamp) ? Date.now() : timestamp };
  if (key !== undefined) wire.key = key;
  if (typeof props.priority === 'number') wire.priority = props.priority;
  const received: Received = { wire };
  if (expiresAt !== undefined && Number.isFinite(expiresAt)) received.expiresAt = expiresAt;
  if (offset !== undefined && Number.isFinite(offset)) received.offset = offset;
  return received;
}
