import { isDeclared, parseConfig, type CapabilityName, type CapabilityReport, type CapabilitySupport, type Requirements } from '@switchboard/core';
import { MAX_BUCKETS, MAX_DELAY_MS, MAX_LATENESS_PERCENT } from './delay-buckets.js';
import { mappingCapabilities } from './mapping-capabilities.js';
import { RabbitChannelOptionsSchema } from './options.js';
import { durableDetail, priorityEntry, queueTypeCapabilities } from './queue-type-capabilities.js';
import { chooseQueueType, type QueueTypeOption } from './queue-type.js';
import { resolveMapping } from './topology-mapping.js';

/**
 * What this backend does, capability by capability; the conformance suite proves each claim.
 * `busQueueType` is the bus option `queueType`, the default of every channel.
 */
export function rabbitCapabilities(busQueueType: QueueTypeOption = 'auto'): CapabilityReport {
  return {
    fanout: {
      support: 'native',
      detail: 'Each channel is a durable fanout exchange and each subscriber group a durable queue bound to it; list groups in the channel\'s `groups` to keep messages published before their first subscriber.',
    },
    workQueue: {
      support: 'native',
      detail: 'Subscribers of one group are competing consumers on the group\'s queue, each with a prefetch bounded by its concurrency.',
    },
    orderedByKey: {
      support: 'emulated',
      detail: 'The group queue gets single-active-consumer, so one subscriber at a time handles a group (others wait as hot standbys) with per-key in-process ordering and in-place retries; use Kafka when a group must consume ordered keys in parallel.',
      limits: { activeConsumersPerGroup: 1 },
    },
    priority: priorityEntry(busQueueType),
    requestReply: {
      support: 'native',
      detail: 'Requests use direct reply-to with a correlation id and a per-request timeout; a request with no responder is returned by the broker (mandatory) and fails at once with NoResponderError.',
    },
    replay: {
      support: 'native',
      detail:
        'A stream queue bound beside the group queues keeps the channel\'s history (default 7 days, channel option streamMaxAge / streamMaxBytes); replay reads it from earliest, a position (stream offset) or a timestamp; ' +
        'streams are replicated to every node of a cluster (a leader and followers, like quorum queues), so the history survives losing a minority of nodes whatever the queue type of the group queues.',
      limits: { retention: 'streamMaxAge (default 7D)' },
    },
    delayedDelivery: {
      support: 'emulated',
      detail: `Delayed messages wait in auto-expiring TTL queues that dead-letter into the channel at their due time (no plugin needed); a message can be up to ${MAX_LATENESS_PERCENT}% late behind a longer delay in its bucket.`,
      limits: { maxDelayMs: MAX_DELAY_MS, delayQueuesPerChannel: MAX_BUCKETS, maxLatenessPercent: MAX_LATENESS_PERCENT },
    },
    deadLetter: {
      support: 'native',
      detail: 'After the last attempt the message and its error are published, confirmed, to the durable exchange of channel `<name>.dead`, whose unrouted messages wait in its `parked` group until someone subscribes; retries wait in per-group TTL queues, so they never hold a prefetch slot.',
    },
    messageTtl: {
      support: 'native',
      detail: 'The ttlMs option becomes the AMQP per-message expiration, so the broker drops the message if it is not consumed in time (a delayed message starts its TTL when it falls due).',
    },
    durable: { support: 'native', detail: durableDetail(busQueueType) },
  };
}

/**
 * Per-channel adjustments: the channel's queue type (which deployment `durable` holds for,
 * priority refused on quorum queues, a deliveryLimit), single-active-consumer (for `orderedByKey`) stops members of a group
 * from sharing work, a stream replays in publish order whatever the priority, and a mapping onto
 * other topology (`options.rabbitmq`) changes what groups receive. Throws ConfigError for invalid
 * channel options, so a bad mapping fails `connect()` before any broker traffic.
 */
export function rabbitChannelCapabilities(
  base: CapabilityReport,
  channel: string,
  requires: Requirements,
  options: Record<string, unknown> = {},
  busQueueType: QueueTypeOption = 'auto',
): Partial<Record<CapabilityName, CapabilitySupport>> {
  const parsed = parseConfig(RabbitChannelOptionsSchema, options, `RabbitMQ options of channel "${channel}"`);
  const choice = chooseQueueType(requires, parsed.queueType, busQueueType);
  const byQueueType = queueTypeCapabilities(channel, base, requires, choice, busQueueType, parsed.deliveryLimit);
  return mappingCapabilities(base, { ...byQueueType, ...conflicts(base, requires) }, resolveMapping(channel, parsed.rabbitmq));
}

function conflicts(base: CapabilityReport, requires: Requirements): Partial<Record<CapabilityName, CapabilitySupport>> {
  const overrides: Partial<Record<CapabilityName, CapabilitySupport>> = {};
  if (isDeclared(requires, 'orderedByKey') && isDeclared(requires, 'workQueue')) {
    overrides.workQueue = {
      support: 'unsupported',
      detail: 'With orderedByKey a RabbitMQ group queue has a single active consumer, so group members fail over instead of sharing work; drop workQueue from this channel (ordering still holds) or use Kafka for ordered parallel consumption.',
    };
  }
  if (isDeclared(requires, 'replay') && isDeclared(requires, 'priority')) {
    overrides.replay = {
      ...base.replay,
      detail: `${base.replay.detail.replace(/\.$/, '')}; replay returns history in publish order, since priority orders only the live group queues.`,
    };
  }
  return overrides;
}
