import type { CapabilityCatalog, CapabilityName, CapabilitySupport } from '@switchboard/core';

/** Messages a channel declared with replay retains by default. */
export const DEFAULT_RETENTION = 100_000;

const OWN: Record<CapabilityName, CapabilitySupport> = {
  fanout: { support: 'native', detail: 'In-process: every subscriber group has its own queue and receives every message.' },
  workQueue: { support: 'native', detail: 'In-process: members of one group compete for its queue (round-robin), each holding at most `concurrency` unacked messages.' },
  orderedByKey: { support: 'native', detail: 'In-process: group queues are FIFO, a key in flight stays with one member, and core runs one handler per key at a time.' },
  priority: { support: 'native', detail: 'In-process: waiting messages leave highest priority first (0..255), FIFO within a level.', limits: { maxPriority: 255 } },
  requestReply: { support: 'native', detail: 'In-process: requests go to competing responders and replies straight back; no responder fails at once.' },
  replay: {
    support: 'native',
    detail:
      'In-process: a channel declared with replay retains its last `retention` messages from then on (other channels keep none); replay reads from earliest, a position or a timestamp, then continues live.',
  },
  delayedDelivery: { support: 'native', detail: 'In-process: a timer queue holds the message until delayMs has passed.' },
  deadLetter: { support: 'native', detail: 'In-process: dead letters go to <channel>.dead, a channel like any other.' },
  messageTtl: { support: 'native', detail: 'In-process: a message past ttlMs is never delivered and is dropped from the head of group queues by a timer.' },
  durable: { support: 'unsupported', detail: "In-process: messages live in this process's memory and vanish when it exits." },
};

/** The memory backend's own catalog: every capability native except `durable`. */
export function memoryCatalog(retention: number): CapabilityCatalog {
  const capabilities = { ...OWN, replay: { ...OWN.replay, limits: { retention } } };
  return Object.freeze({ name: 'memory', capabilities });
}
