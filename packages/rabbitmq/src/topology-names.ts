import { ConfigError } from '@switchboard/core';
import { delayBucket, MAX_DELAY_MS } from './delay-buckets.js';

/**
 * Broker object names, derived so that no two things can share one. Channel and group names use
 * only `A-Z a-z 0-9 . _ -` (core's CHANNEL_NAME_PATTERN), so:
 *
 * - a group queue is `<channel>:<group>`: the first `:` splits it back, so two distinct
 *   (channel, group) pairs never map to one queue (with `.` as separator, `B` + `q.w` and
 *   `B.q` + `w` were both `B.q.w`);
 * - Switchboard's internal queues and exchanges add `~<kind>` to the channel (`<channel>~stream`)
 *   or to the group queue (`<channel>:<group>~retry-<ms>`): a user name has no `~`, and the part
 *   before it is one of the injective names above.
 *
 * Queue names are at most 255 bytes (AMQP short string); see {@link groupQueueName}.
 */

/** RabbitMQ's limit on queue and exchange names (AMQP shortstr). */
export const MAX_NAME_BYTES = 255;

/** Longest suffix a group queue's internal queues add (`~retry-<largest bucket>`). */
const RETRY_SUFFIX_BYTES = `~retry-${delayBucket(MAX_DELAY_MS)}`.length;

/** Longest `<channel>:<group>` that still leaves room for its retry queues. */
export const MAX_GROUP_QUEUE_BYTES = MAX_NAME_BYTES - RETRY_SUFFIX_BYTES;

/** One exchange per channel, named like the channel (unless the channel maps another). */
export function exchangeName(channel: string): string {
  return channel;
}

/**
 * Durable queue of one subscriber group (unless the group maps another). Throws ConfigError when
 * channel and group together are too long for the queue and its retry queues.
 */
export function groupQueueName(channel: string, group: string): string {
  const name = `${channel}:${group}`;
  if (Buffer.byteLength(name) > MAX_GROUP_QUEUE_BYTES) {
    throw new ConfigError(
      `group "${group}" of channel "${channel}": its RabbitMQ queue name "${channel}:${group}" would be ${Buffer.byteLength(name)} bytes, ` +
        `over the ${MAX_GROUP_QUEUE_BYTES} bytes that leave room for its retry queues (RabbitMQ names are at most ${MAX_NAME_BYTES} bytes): ` +
        'use a shorter channel or group name',
    );
  }
  return name;
}

/** Where messages nobody would receive are kept (see `keepUnrouted`): the `parked` group. */
export const PARKED_GROUP = 'parked';

/** Alternate exchange of a channel that keeps unrouted messages. */
export function unroutedExchangeName(channel: string): string {
  return `${channel}~unrouted`;
}

/** Stream queue bound beside the group queues, holding the channel's history for `replay`. */
export function streamQueueName(channel: string): string {
  return `${channel}~stream`;
}

/** Queue that competing responders share. */
export function requestQueueName(channel: string): string {
  return `${channel}~requests`;
}

/**
 * Delay queue feeding one group's queue back after `bucketMs` (retries). Named after the derived
 * group queue even when the group consumes a mapped queue, so it stays Switchboard's own.
 */
export function retryQueueName(channel: string, group: string, bucketMs: number): string {
  return `${groupQueueName(channel, group)}~retry-${bucketMs}`;
}

/** Delay queue feeding the channel's exchange after `bucketMs` (delayed delivery). */
export function delayQueueName(channel: string, bucketMs: number): string {
  return `${channel}~delay-${bucketMs}`;
}

/**
 * Headers exchange in front of the delay queues of a channel whose exchange routes by key (topic,
 * direct): publishing through it keeps the message's own routing key, which the delay queue then
 * dead-letters with into the channel's exchange.
 */
export function delayExchangeName(channel: string): string {
  return `${channel}~delay`;
}
