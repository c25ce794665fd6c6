import {
  CAPABILITY_NAMES,
  KNOWN_SUPPORT,
  isDeclared,
  type CapabilityName,
  type CapabilityReport,
  type CapabilitySupport,
  type Requirements,
} from '@switchboard/core';

/** Backends the memory broker can impersonate. */
export const MEMORY_PROFILES = ['rabbitmq', 'kafka'] as const;
/** A backend whose capabilities the memory backend can impersonate. */
export type MemoryProfile = (typeof MEMORY_PROFILES)[number];

const OWN: Record<CapabilityName, string> = {
  fanout: 'In-process: every subscriber group has its own queue and receives every message.',
  workQueue: 'In-process: members of one group compete for its queue (round-robin), each holding at most `concurrency` unacked messages.',
  orderedByKey: 'In-process: group queues are FIFO, a key in flight stays with one member, and core runs one handler per key at a time.',
  priority: 'In-process: waiting messages leave highest priority first (0..255), FIFO within a level.',
  requestReply: 'In-process: requests go to competing responders and replies straight back; no responder fails at once.',
  replay: 'In-process: a channel declared with replay retains its last `retention` messages from then on (other channels keep none); replay reads from earliest, a position or a timestamp, then continues live.',
  delayedDelivery: 'In-process: a timer queue holds the message until delayMs has passed.',
  deadLetter: 'In-process: dead letters go to <channel>.dead, a channel like any other.',
  messageTtl: 'In-process: a message past ttlMs is never delivered and is dropped from the head of group queues by a timer.',
  durable: "In-process: messages live in this process's memory and vanish when it exits.",
};

/** Why each real backend does (or cannot do) what it does, for profile reports. */
const PROFILE_REASON: Record<MemoryProfile, Record<CapabilityName, string>> = {
  rabbitmq: {
    fanout: 'RabbitMQ binds one queue per group to the channel exchange',
    workQueue: 'RabbitMQ consumers on one queue share its messages',
    orderedByKey: 'RabbitMQ queues know no keys, so the client keeps per-key order itself',
    priority: 'RabbitMQ classic queues with x-max-priority (at most 255 levels)',
    requestReply: 'RabbitMQ direct reply-to',
    replay: 'RabbitMQ stream queues; a stream cannot also be a priority queue',
    delayedDelivery: 'RabbitMQ has no delay without a plugin; it is built from per-message TTL and dead-letter queues',
    deadLetter: 'RabbitMQ dead-letter exchanges',
    messageTtl: 'RabbitMQ per-message expiration',
    durable: 'RabbitMQ durable queues, persistent messages and publisher confirms',
  },
  kafka: {
    fanout: 'Kafka gives each group its own consumer group',
    workQueue: 'Kafka consumers in one group split the partitions, so parallelism is at most the partition count',
    orderedByKey: 'Kafka partitions by key and keeps partition order',
    priority: 'a Kafka partition is an append-only log read in order, so no message can overtake another',
    requestReply: 'Kafka has no reply channel; it is built from a reply topic and correlation ids',
    replay: 'Kafka consumers seek to the earliest offset, an offset or a timestamp',
    delayedDelivery: 'Kafka has no per-message delay; it is built from a delay topic and a forwarder that produces each message to the channel when due',
    deadLetter: 'Kafka has no dead-lettering; it is built as a dead-letter topic',
    messageTtl: 'Kafka retention deletes whole log segments, never single messages; expiry is checked by the consumer before the handler',
    durable: 'Kafka replicated logs with acks=all',
  },
};

const PROFILE_LIMITS: Record<MemoryProfile, Partial<Record<CapabilityName, CapabilitySupport['limits']>>> = {
  rabbitmq: { priority: { maxPriority: 255 } },
  kafka: { workQueue: { parallelism: 'partitions' } },
};

/** The memory backend's own report: every capability native except `durable`. */
export function memoryReport(retention: number): CapabilityReport {
  const report = {} as CapabilityReport;
  for (const name of CAPABILITY_NAMES) {
    report[name] = { support: KNOWN_SUPPORT.memory[name], detail: OWN[name] };
  }
  report.priority.limits = { maxPriority: 255 };
  report.replay.limits = { retention };
  return report;
}

/** The report of `profile`, with support levels taken from core's KNOWN_SUPPORT table. */
export function profileReport(profile: MemoryProfile): CapabilityReport {
  const report = {} as CapabilityReport;
  for (const name of CAPABILITY_NAMES) {
    const support = KNOWN_SUPPORT[profile][name];
    const reason = PROFILE_REASON[profile][name];
    const detail =
      support === 'unsupported'
        ? `Memory backend mimicking ${profile}, which lacks it: ${reason}.`
        : name === 'durable'
          ? `Memory backend mimicking ${profile} (${reason}); this test broker itself keeps nothing past the process.`
          : `Memory backend mimicking ${profile} (${support} there: ${reason}).`;
    const limits = PROFILE_LIMITS[profile][name];
    report[name] = limits === undefined ? { support, detail } : { support, detail, limits };
  }
  return report;
}

/**
 * Per-channel conflicts of a profile. RabbitMQ replay needs a stream queue, and a stream cannot be
 * a priority queue: a channel declaring both gets priority refused, as on RabbitMQ.
 */
export function profileChannelConflicts(profile: MemoryProfile | undefined, requires: Requirements): Partial<CapabilityReport> | undefined {
  if (profile !== 'rabbitmq' || !isDeclared(requires, 'replay') || !isDeclared(requires, 'priority')) return undefined;
  return {
    priority: {
      support: 'unsupported',
      detail: 'memory backend mimicking rabbitmq: replay needs a stream queue, and a RabbitMQ stream cannot be a priority queue; split the channel or drop one requirement',
    },
  };
}
