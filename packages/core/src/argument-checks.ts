import { CodecError, ConfigError, SwitchboardError } from './errors.js';

/**
 * Largest delay a Node timer honours: `setTimeout` fires after 1 ms for anything above 2^31 − 1,
 * and RabbitMQ's per-message `expiration` and queue TTLs are bounded by the same number. Every
 * millisecond value the public API takes is an integer in this range.
 */
export const MAX_TIMER_MS = 2_147_483_647;

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** An integer number of milliseconds in `min..MAX_TIMER_MS`; `what` names it in the error ("timeoutMs of request() on channel orders"). */
export function checkMs(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw new ConfigError(`${what} must be an integer number of milliseconds from ${min} to ${MAX_TIMER_MS} (about 24.8 days); got ${describe(value)}`);
  }
  return value;
}

/** A message key: a string (Kafka partitions by it, the dispatcher orders by it). */
export function checkKey(value: unknown, channel: string): string {
  if (typeof value !== 'string') {
    throw new ConfigError(`key on channel ${channel} must be a string; got ${describe(value)} (convert it with String(…) where a number is meant)`);
  }
  return value;
}

/** A string-valued header object; a header without a value is omitted rather than sent as "undefined". */
export function checkHeaders(value: unknown, channel: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`headers on channel ${channel} must be an object of string values; got ${describe(value)}`);
  }
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== 'string') {
      throw new ConfigError(`header "${name}" on channel ${channel} must be a string; got ${describe(header)} (omit the header, or convert it with String(…))`);
    }
  }
  return value as Record<string, string>;
}

/** A non-empty string option such as `id` or `type`. */
export function checkText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(`${what} must be a non-empty string; got ${describe(value)}`);
  return value;
}

/** A handler argument: a function. */
export function checkHandler(value: unknown, what: string): void {
  if (typeof value !== 'function') throw new ConfigError(`${what} takes a handler function; got ${describe(value)}`);
}

/** An options argument: absent, or a plain object. */
export function checkOptionsObject(value: unknown, what: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ConfigError(`${what} must be an object; got ${describe(value)}`);
  }
}

/**
 * The error for a payload `encodeMessage` threw on: the TypeError of an unserialisable payload
 * (BigInt, a circular structure, a function, a symbol, a throwing toJSON) becomes a CodecError,
 * nothing was sent. (Called from a catch rather than wrapping the call: no closure per publish.)
 */
export function unencodable(channel: string, error: unknown): Error {
  if (SwitchboardError.is(error)) return error;
  return new CodecError(
    `Payload on channel "${channel}" cannot be encoded: ${(error as Error)?.message ?? String(error)}. ` +
      'Send JSON-serialisable data (no BigInt, functions, symbols or cycles), a Buffer, or declare a codec',
    { cause: error },
  );
}
