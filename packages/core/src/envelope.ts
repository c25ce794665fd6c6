import { randomUUID } from 'node:crypto';
import type { Delivery, WireMessage } from './spi.js';

/** Switchboard's own headers (not CloudEvents attributes). */
export const HEADERS = {
  attempt: 'sb-attempt',
  deadError: 'sb-dead-error',
  deadErrorCode: 'sb-dead-error-code',
  deadAttempts: 'sb-dead-attempts',
  deadChannel: 'sb-dead-channel',
  deadGroup: 'sb-dead-group',
  deadTime: 'sb-dead-time',
  replyError: 'sb-reply-error',
  replyErrorCode: 'sb-reply-error-code',
} as const;

export const CONTENT_TYPE_HEADER = 'content-type';
const JSON_TYPE = 'application/json';
const BYTES_TYPE = 'application/octet-stream';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** CloudEvents context attributes Switchboard sets on every message. */
export interface EnvelopeAttributes {
  id: string;
  source: string;
  type: string;
  time: Date;
  traceparent?: string;
  tracestate?: string;
}

export interface EncodeInput {
  payload: unknown;
  source: string;
  type: string;
  key?: string;
  headers?: Record<string, string>;
  traceparent?: string;
  tracestate?: string;
  id?: string;
}

function encodeBody(payload: unknown): { body: Buffer; contentType: string } {
  if (Buffer.isBuffer(payload)) return { body: payload, contentType: BYTES_TYPE };
  if (payload instanceof Uint8Array) return { body: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), contentType: BYTES_TYPE };
  // undefined has no JSON form; null is its closest faithful stand-in.
  return { body: Buffer.from(JSON.stringify(payload ?? null)), contentType: JSON_TYPE };
}

function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  if (contentType === undefined || contentType.startsWith(JSON_TYPE)) return body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  if (contentType.startsWith('text/')) return body.toString('utf8');
  return body;
}

/**
 * Builds the wire form of a message: body plus CloudEvents binary-mode attributes as headers,
 * named with the backend's binding prefix (`ce_` for Kafka, `cloudEvents:` for AMQP).
 */
export function encodeMessage(input: EncodeInput, prefix: string): WireMessage {
  const { body, contentType } = encodeBody(input.payload);
  const id = input.id ?? randomUUID();
  const now = Date.now();
  const headers: Record<string, string> = {
    [`${prefix}specversion`]: '1.0',
    [`${prefix}id`]: id,
    [`${prefix}source`]: input.source,
    [`${prefix}type`]: input.type,
    [`${prefix}time`]: new Date(now).toISOString(),
    [CONTENT_TYPE_HEADER]: contentType,
  };
  if (input.traceparent !== undefined) headers[`${prefix}traceparent`] = input.traceparent;
  if (input.tracestate !== undefined) headers[`${prefix}tracestate`] = input.tracestate;
  if (input.headers !== undefined) {
    for (const name in input.headers) {
      if (name.startsWith(prefix) || name === CONTENT_TYPE_HEADER) continue;
      headers[name] = String(input.headers[name]);
    }
  }
  const wire: WireMessage = { body, headers, id, timestamp: now };
  if (input.key !== undefined) wire.key = input.key;
  return wire;
}

export interface DecodedMessage {
  payload: unknown;
  attributes: EnvelopeAttributes;
  /** Application headers plus `sb-dead-*` on dead letters (no CloudEvents attributes, no attempt counter). */
  headers: Record<string, string>;
  attempt: number;
}

/** Reads the envelope back. Throws on an undecodable body (the caller dead-letters it). */
export function decodeMessage(delivery: Delivery | WireMessage, prefix: string): DecodedMessage {
  const all = delivery.headers;
  const headers: Record<string, string> = {};
  for (const name in all) {
    if (name.startsWith(prefix) || name === CONTENT_TYPE_HEADER || name === HEADERS.attempt) continue;
    headers[name] = all[name] as string;
  }
  const time = all[`${prefix}time`];
  const attributes: EnvelopeAttributes = {
    id: all[`${prefix}id`] ?? delivery.id,
    source: all[`${prefix}source`] ?? '',
    type: all[`${prefix}type`] ?? '',
    time: time === undefined ? new Date(delivery.timestamp) : new Date(time),
  };
  const traceparent = all[`${prefix}traceparent`];
  if (traceparent !== undefined) attributes.traceparent = traceparent;
  const tracestate = all[`${prefix}tracestate`];
  if (tracestate !== undefined) attributes.tracestate = tracestate;
  const attempt = Number(all[HEADERS.attempt] ?? 1);
  return {
    payload: decodeBody(delivery.body, all[CONTENT_TYPE_HEADER]),
    attributes,
    headers,
    attempt: Number.isFinite(attempt) && attempt >= 1 ? attempt : 1,
  };
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
