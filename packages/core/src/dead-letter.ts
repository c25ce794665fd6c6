/**
 * Dead letters: what a message that could not be handled becomes on `<channel>.dead`. The dead
 * letter keeps the original bytes, content type, CloudEvents attributes and application headers,
 * and adds why it died as `sb-dead-*` headers, which core reads only on dead-letter channels.
 */
import { HEADERS, isControlHeader } from './control-headers.js';
import { SwitchboardError } from './errors.js';

/** Suffix of a dead-letter channel's name. */
export const DEAD_SUFFIX = '.dead';

/** Why a message was dead-lettered, and what it was. */
export interface DeadLetterInfo {
  /** The channel it was published to. */
  channel: string;
  /** The subscriber group whose handler gave up on it (absent for replay). */
  group?: string;
  /** The last error's message (at most 4 096 characters). */
  error: string;
  /** The last error's `code` for Switchboard errors (SB_SCHEMA, SB_CODEC, SB_DEAD_LETTER…), else its name. */
  errorCode: string;
  /** Attempts made, including the first. */
  attempts: number;
  /** When it was dead-lettered. */
  time: Date;
  /** The original message's id. */
  id: string;
  /** The original body, byte for byte. */
  body: Buffer;
  /** The original content type, when it had one. */
  contentType?: string;
  /**
   * True on a reduced dead letter: the broker refused the full one (too large), so the original
   * application headers were left out; body, envelope and the reasons are kept.
   */
  headersDropped?: true;
}

/** True for a `<channel>.dead` channel name. */
export function isDeadLetterChannel(channel: string): boolean {
  return channel.length > DEAD_SUFFIX.length && channel.endsWith(DEAD_SUFFIX);
}

/** The channel whose dead letters `deadChannel` holds (`orders.dead` → `orders`). */
export function originalChannelOf(deadChannel: string): string {
  return deadChannel.slice(0, -DEAD_SUFFIX.length);
}

/**
 * Where a message of `channel` goes when it cannot be handled: `<channel>.dead`, or undefined on
 * a dead-letter channel itself (there is no `.dead.dead`: its messages are retried instead).
 */
export function deadLetterTarget(channel: string): string | undefined {
  return isDeadLetterChannel(channel) ? undefined : `${channel}${DEAD_SUFFIX}`;
}

/** Message text and code of whatever a handler threw. */
export function errorText(error: unknown): { message: string; code: string } {
  if (error instanceof Error) return { message: error.message, code: SwitchboardError.is(error) ? error.code : error.name };
  return { message: String(error), code: 'Error' };
}

/**
 * A dead letter's headers: the original's, without any `sb-*` header it carried (a foreign
 * message's, or an earlier dead letter's), plus why it died.
 */
export function deadLetterHeaders(
  original: Record<string, string>,
  why: { error: unknown; attempts: number; channel: string; group?: string; id: string },
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in original) if (!isControlHeader(name)) headers[name] = original[name] as string;
  const { message, code } = errorText(why.error);
  headers[HEADERS.deadError] = message.slice(0, 4096);
  headers[HEADERS.deadErrorCode] = code;
  headers[HEADERS.deadAttempts] = String(why.attempts);
  headers[HEADERS.deadChannel] = why.channel;
  if (why.group !== undefined) headers[HEADERS.deadGroup] = why.group;
  headers[HEADERS.deadTime] = new Date().toISOString();
  headers[HEADERS.deadId] = why.id;
  return headers;
}

/**
 * Reads the dead-letter details of a message received on the dead-letter channel `deadChannel`.
 * A message published there directly (no `sb-dead-*` headers) gets what is known: the channel
 * from the name, no error, zero attempts.
 */
export function readDeadLetterInfo(
  headers: Record<string, string>,
  deadChannel: string,
  message: { id: string; body: Buffer; contentType: string | undefined; timestamp: number },
): DeadLetterInfo {
  const attempts = Number(headers[HEADERS.deadAttempts] ?? 0);
  const time = Date.parse(headers[HEADERS.deadTime] ?? '');
  const info: DeadLetterInfo = {
    channel: headers[HEADERS.deadChannel] ?? originalChannelOf(deadChannel),
    error: headers[HEADERS.deadError] ?? '',
    errorCode: headers[HEADERS.deadErrorCode] ?? '',
    attempts: Number.isSafeInteger(attempts) && attempts >= 0 ? attempts : 0,
    time: new Date(Number.isNaN(time) ? message.timestamp : time),
    id: headers[HEADERS.deadId] ?? message.id,
    body: message.body,
  };
  const group = headers[HEADERS.deadGroup];
  if (group !== undefined) info.group = group;
  if (message.contentType !== undefined) info.contentType = message.contentType;
  if (headers[HEADERS.deadHeadersDropped] === 'true') info.headersDropped = true;
  return info;
}

/**
 * The dead-letter details of a message received from a `<channel>.dead` channel; undefined for
 * any other message (dead-letter headers on other channels are not trusted).
 */
export function deadLetterInfo(message: { deadLetter?: DeadLetterInfo }): DeadLetterInfo | undefined {
  return message.deadLetter;
}
