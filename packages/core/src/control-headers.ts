/**
 * Switchboard's own control headers (attempt count, dead-letter details, reply errors) and the
 * rules that keep them out of publishers' hands: a publish that sets one is refused, a received
 * message never shows them among its application headers, and core reads each only where it
 * writes it itself (see decodeMessage and deadLetterInfo).
 */
import { ConfigError } from './errors.js';

/** Switchboard's own headers (not CloudEvents attributes). Every name starts with `sb-`. */
export const HEADERS = {
  /** Attempt number of a retried delivery (1 on the first). */
  attempt: 'sb-attempt',
  /** Epoch ms after which the message is dropped unhandled (set from `ttlMs`, counted from when it is due). */
  expiresAt: 'sb-expires-at',
  /** Dead letter: the error message. */
  deadError: 'sb-dead-error',
  /** Dead letter: the error's code. */
  deadErrorCode: 'sb-dead-error-code',
  /** Dead letter: handler attempts made. */
  deadAttempts: 'sb-dead-attempts',
  /** Dead letter: the channel it died on. */
  deadChannel: 'sb-dead-channel',
  /** Dead letter: the subscriber group it died in. */
  deadGroup: 'sb-dead-group',
  /** Dead letter: when it died (ISO time). */
  deadTime: 'sb-dead-time',
  /** Id of the message that died (the dead letter may get its own id where the broker assigns one). */
  deadId: 'sb-dead-id',
  /** Set on a reduced dead letter: the original application headers were left out to fit the broker's limit. */
  deadHeadersDropped: 'sb-dead-headers-dropped',
  /** Reply: the responder's error message. */
  replyError: 'sb-reply-error',
  /** Reply: the responder's error code. */
  replyErrorCode: 'sb-reply-error-code',
} as const;

/** The header carrying the payload's media type (the AMQP property on RabbitMQ). */
export const CONTENT_TYPE_HEADER = 'content-type';

/** Header name prefixes no publisher may use: Switchboard's control headers and backend-internal ones. */
export const RESERVED_PREFIXES = ['sb-', 'x-switchboard-'] as const;

/** True for a control header (`sb-*`): never an application header, on publish or receive. */
export function isControlHeader(name: string): boolean {
  return name.charCodeAt(0) === 115 && name.startsWith('sb-');
}

/**
 * Why an application header name is refused on publish, or undefined when it may be used:
 * control headers, backend-internal headers, CloudEvents attributes of any binding (set them
 * through the publish options) and the content type (it follows the channel's codec).
 */
export function reservedHeaderReason(name: string): string | undefined {
  const first = name.charCodeAt(0);
  if (first === 115 && name.startsWith('sb-')) return 'sb-* headers carry Switchboard control data (attempts, dead-letter details, replies)';
  if (first === 120 && name.startsWith('x-switchboard-')) return 'x-switchboard-* headers are internal to the backends';
  if (first === 99 && (name.startsWith('ce_') || name.startsWith('cloudEvents_') || name.startsWith('cloudEvents:'))) {
    return 'CloudEvents attributes are set from the publish options (id, type, subject, traceparent, tracestate)';
  }
  if (name.length === 12 && name.toLowerCase() === CONTENT_TYPE_HEADER) return "the content type follows the channel's codec";
  return undefined;
}

/** Refuses a reserved application header with an error that names it and says why. */
export function refuseReservedHeader(name: string, channel: string, reason: string): never {
  throw new ConfigError(`Header "${name}" on channel "${channel}" is reserved: ${reason}. Use another name.`);
}
