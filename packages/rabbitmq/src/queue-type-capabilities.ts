import { ConfigError, isDeclared, type CapabilityName, type CapabilityReport, type CapabilitySupport, type Requirements } from '@switchboard/core';
import type { QueueTypeChoice, QueueTypeOption } from './queue-type.js';

type Overrides = Partial<Record<CapabilityName, CapabilitySupport>>;

/** What every durable claim rests on, whatever the queue type. */
const CONFIRMED = 'Exchanges and queues are durable, messages persistent, and publish() resolves only on the broker\'s publisher confirm (re-sent after a reconnect, so at least once)';

const QUORUM_DURABLE =
  'group queues are quorum queues (Raft, a member on each cluster node), whose confirm comes once a majority of members stored the message, so a confirmed message survives a broker restart and, on a cluster of three or more nodes, the loss of a minority of them (the leader moves, consumers resume); retry and delay queues are quorum queues with at-least-once dead-lettering, and the channel\'s dead letters land in quorum queues too';

const CLASSIC_DURABLE =
  'group queues are classic queues, each on one node: a confirmed message survives a restart of that node, but not its loss on a cluster (classic mirroring is deprecated, and gone in RabbitMQ 4)';

const QUORUM_NO_PRIORITY =
  'quorum queues have no message priority in RabbitMQ 3.10 (x-max-priority is refused; 4.x has only two levels); set queueType: \'classic\' on the channel for priority, at the cost of surviving node loss';

/** The bus-wide `durable` detail for the report every channel starts from. */
export function durableDetail(busQueueType: QueueTypeOption): string {
  if (busQueueType === 'quorum') return `${CONFIRMED}; ${QUORUM_DURABLE}.`;
  if (busQueueType === 'classic') return `${CONFIRMED}; ${CLASSIC_DURABLE} (bus option queueType: 'classic'; 'quorum' or 'auto' for replicated queues).`;
  return (
    `${CONFIRMED}; a channel that declares durable gets quorum queues (Raft, a member on each cluster node, confirmed once a majority stored the message), so it also survives losing a minority of a cluster's nodes, ` +
    'unless it requires priority or sets queueType: \'classic\', whose classic queues live on one node and survive its restart, not its loss.'
  );
}

/** The bus-wide `priority` entry: unsupported when every channel defaults to quorum queues. */
export function priorityEntry(busQueueType: QueueTypeOption): CapabilitySupport {
  if (busQueueType === 'quorum') {
    return { support: 'unsupported', detail: `Every channel's queues are quorum queues (bus option queueType: 'quorum'), and ${QUORUM_NO_PRIORITY}.` };
  }
  return {
    support: 'native',
    detail:
      'Group queues are classic queues with x-max-priority (the channel\'s maxPriority, default 10) and prefetch equal to concurrency, so the broker orders the backlog; ' +
      'a channel that requires priority keeps classic queues even when it declares durable, since quorum queues have none in RabbitMQ 3.10.',
    limits: { maxPriority: 255 },
  };
}

/**
 * Per-channel changes that follow from the channel's queue type: `durable` says which deployment
 * it holds for, `priority` is refused on quorum queues, and a `deliveryLimit` changes what
 * `deadLetter` catches. Throws ConfigError for a deliveryLimit on classic queues.
 */
export function queueTypeCapabilities(
  channel: string,
  base: CapabilityReport,
  requires: Requirements,
  choice: QueueTypeChoice,
  busQueueType: QueueTypeOption,
  deliveryLimit: number | undefined,
): Overrides {
  const overrides: Overrides = {};
  const quorum = choice.type === 'quorum';
  if (deliveryLimit !== undefined && !quorum) {
    throw new ConfigError(`channel "${channel}": deliveryLimit needs quorum queues, but its queues are classic (${choice.why}); set queueType: 'quorum' or drop deliveryLimit`);
  }
  if (isDeclared(requires, 'durable')) {
    overrides.durable = { ...base.durable, detail: `${CONFIRMED}; ${quorum ? QUORUM_DURABLE : CLASSIC_DURABLE} (${choice.why}).` };
  }
  if (quorum && busQueueType !== 'quorum' && isDeclared(requires, 'priority')) {
    overrides.priority = { support: 'unsupported', detail: `This channel's queues are quorum queues (${choice.why}), and ${QUORUM_NO_PRIORITY}.` };
  }
  if (!quorum && busQueueType === 'quorum') overrides.priority = priorityEntry('classic');
  if (deliveryLimit !== undefined) {
    overrides.deadLetter = {
      ...base.deadLetter,
      detail:
        `${base.deadLetter.detail.replace(/\.$/, '')}; besides, a message delivered ${deliveryLimit} times without an ack (one that crashes or stalls every consumer taking it) ` +
        'is dead-lettered by the broker itself into the same exchange, at least once, with x-death (reason delivery_limit) instead of Switchboard\'s error headers.',
    };
  }
  return overrides;
}
