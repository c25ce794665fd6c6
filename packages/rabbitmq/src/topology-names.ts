/**
 * Broker object names. Group queues follow Spring Cloud Stream's `<channel>.<group>` so they read
 * naturally in the management UI; Switchboard's internal queues and exchanges use `~`, which
 * channel and group names cannot contain, so they never collide with an application's group.
 */

/** One fanout exchange per channel, named like the channel. */
export function exchangeName(channel: string): string {
  return channel;
}

/** Durable queue of one subscriber group. */
export function groupQueueName(channel: string, group: string): string {
  return `${channel}.${group}`;
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

/** Delay queue feeding one group queue back after `bucketMs` (retries). */
export function retryQueueName(channel: string, group: string, bucketMs: number): string {
  return `${channel}.${group}~retry-${bucketMs}`;
}

/** Delay queue feeding the channel's exchange after `bucketMs` (delayed delivery). */
export function delayQueueName(channel: string, bucketMs: number): string {
  return `${channel}~delay-${bucketMs}`;
}
