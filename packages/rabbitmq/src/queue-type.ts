import { isDeclared, type Requirements } from '@switchboard/core';

/** What a channel (or the bus, for every channel) asks for: `auto` lets the declaration decide. */
export const QUEUE_TYPE_OPTIONS = ['auto', 'classic', 'quorum'] as const;
export type QueueTypeOption = (typeof QUEUE_TYPE_OPTIONS)[number];

/** The type the group queues of a channel are declared with. */
export type QueueType = 'classic' | 'quorum';

/** A channel's queue type and the reason for it, for the capability report. */
export interface QueueTypeChoice {
  type: QueueType;
  /** Why, in a few words, e.g. `queueType: 'quorum'` or `the channel declares durable`. */
  why: string;
}

/**
 * Chooses the queue type of a channel's group queues. An explicit `queueType` (the channel's,
 * else the bus's) wins. `auto` picks quorum when the channel declares `durable` and does not
 * require `priority` (quorum queues in RabbitMQ 3.10 have none; `priority: 'preferred'` gives
 * way to durability), classic otherwise. A `<channel>.dead` channel that declares neither
 * follows its channel, so the dead letters of a durable channel are as safe as its messages.
 *
 * The choice never depends on the broker: a queue's type is fixed when it is declared, so a
 * development node and a production cluster must declare the same queues.
 */
export function chooseQueueType(
  requires: Requirements,
  channelOption: QueueTypeOption | undefined,
  busDefault: QueueTypeOption,
  parent?: QueueType,
): QueueTypeChoice {
  if (channelOption !== undefined && channelOption !== 'auto') return { type: channelOption, why: `the channel sets queueType: '${channelOption}'` };
  if (channelOption === undefined && busDefault !== 'auto') return { type: busDefault, why: `the bus option queueType is '${busDefault}'` };
  const priorityRequired = isDeclared(requires, 'priority') && requires.priority !== 'preferred';
  if (isDeclared(requires, 'durable')) {
    if (priorityRequired) return { type: 'classic', why: 'the channel requires priority, which quorum queues lack' };
    return { type: 'quorum', why: 'the channel declares durable' };
  }
  if (parent !== undefined) return { type: parent, why: `its channel's queues are ${parent}` };
  return { type: 'classic', why: 'the channel does not declare durable' };
}

/**
 * Arguments that make a queue that holds messages for later (retry and delay queues, which
 * dead-letter on TTL) a quorum queue whose dead-lettering is at least once: the broker keeps each
 * message until the target queue confirmed it (RabbitMQ 3.10+, needs `reject-publish` overflow),
 * where a classic queue's dead-lettering can drop a message whose target is briefly unavailable.
 */
export function quorumHoldingArguments(): Record<string, unknown> {
  return { 'x-queue-type': 'quorum', 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' };
}
