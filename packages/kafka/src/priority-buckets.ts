import type { WireMessage } from '@switchboard/core';
import { copyHeaders } from './kafka-message.js';

/**
 * Priority on Kafka is emulated with bucket topics: a channel that declares `priority` gets up to
 * {@link PRIORITY_LEVELS} levels. Level 0 is the channel's own topic (so records from producers
 * that know nothing of priority land there, and consumers of that topic keep working); level n > 0
 * is the topic `<topic>.priority-<n>`.
 */
export const PRIORITY_LEVELS = 3;

/** What separates a bucket topic's level from its channel topic: `orders.priority-2`. */
export const PRIORITY_TOPIC_INFIX = '.priority-';

/** Channel names that end like a bucket topic are refused (they would collide with another channel's bucket). */
export const PRIORITY_TOPIC_PATTERN = /\.priority-\d+$/;

/**
 * Header of a record on a priority channel: the priority it was published with. It lets the delay
 * forwarder put a delayed record into its bucket and gives `Message.priority` back to the handler.
 */
export const PRIORITY_HEADER = 'sb-priority';

/**
 * How many higher-level messages may be handed out in a row while a lower level has one waiting
 * before that lower level gets one (anti-starvation).
 */
export const STARVATION_LIMIT = 8;

/** Messages one bucket holds locally per subscription, waiting for their turn (beside `concurrency`). */
export function bucketBufferSize(concurrency: number): number {
  return Math.max(32, concurrency * 2);
}

/** Levels a channel gets: one per priority up to {@link PRIORITY_LEVELS}. */
export function priorityLevels(maxPriority: number): number {
  return Math.max(1, Math.min(PRIORITY_LEVELS, maxPriority + 1));
}

/**
 * The level of a priority 0..maxPriority: the range is cut into equal slices, lowest first
 * (maxPriority 10, 3 levels: 0-3 → 0, 4-7 → 1, 8-10 → 2). No priority is level 0.
 */
export function bucketOf(priority: number | undefined, maxPriority: number): number {
  if (priority === undefined || !Number.isFinite(priority) || priority <= 0) return 0;
  const levels = priorityLevels(maxPriority);
  return Math.min(levels - 1, Math.floor((Math.min(priority, maxPriority) * levels) / (maxPriority + 1)));
}

/** The lowest and highest priority a level holds, for reports. */
export function bucketRange(bucket: number, maxPriority: number): [number, number] {
  const members: number[] = [];
  for (let p = 0; p <= maxPriority; p++) if (bucketOf(p, maxPriority) === bucket) members.push(p);
  return [members[0] ?? 0, members.at(-1) ?? 0];
}

/** The topic of a level: the channel topic itself for level 0. */
export function bucketTopic(topic: string, bucket: number): string {
  return bucket === 0 ? topic : `${topic}${PRIORITY_TOPIC_INFIX}${bucket}`;
}

/** Every bucket topic of a channel, lowest level first. */
export function bucketTopics(topic: string, maxPriority: number): string[] {
  return Array.from({ length: priorityLevels(maxPriority) }, (_, bucket) => bucketTopic(topic, bucket));
}

/** Consumer group id of one level of a subscriber group: the group's own id for level 0. */
export function bucketGroupId(groupId: string, bucket: number): string {
  return bucket === 0 ? groupId : `${groupId}${PRIORITY_TOPIC_INFIX}${bucket}`;
}

/** The priority a record states: the publish option, else the header a delayed record kept. */
export function priorityOf(message: WireMessage): number | undefined {
  if (message.priority !== undefined) return message.priority;
  const header = message.headers[PRIORITY_HEADER];
  if (header === undefined) return undefined;
  const parsed = Number(header);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : undefined;
}

/**
 * Groups a publish batch by bucket topic, writing each message's priority into its headers
 * (records keep their order within a bucket).
 */
export function routeByPriority(topic: string, maxPriority: number, messages: WireMessage[]): Map<string, WireMessage[]> {
  const routed = new Map<string, WireMessage[]>();
  for (const message of messages) {
    const priority = priorityOf(message);
    if (priority !== undefined && message.headers[PRIORITY_HEADER] !== String(priority)) {
      message.headers = copyHeaders(message.headers);
      message.headers[PRIORITY_HEADER] = String(priority);
    }
    const target = bucketTopic(topic, bucketOf(priority, maxPriority));
    let list = routed.get(target);
    if (list === undefined) routed.set(target, (list = []));
    list.push(message);
  }
  return routed;
}
