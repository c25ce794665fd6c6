import { ConfigError } from '@switchboard/core';
import { DELAY_TOPIC_SUFFIX } from './delay-forwarder.js';
import { PRIORITY_TOPIC_PATTERN } from './priority-buckets.js';
import { REPLY_TOPIC_SUFFIX } from './request-reply.js';
import { RETRY_TOPIC_SUFFIX } from './retry-topic.js';

/** Endings of the topics the backend derives from a channel's topic, and what each is for. */
const DERIVED: readonly [RegExp, string][] = [
  [new RegExp(`${REPLY_TOPIC_SUFFIX.replace('.', '\\.')}$`), 'request/reply uses for the reply topic'],
  [new RegExp(`${DELAY_TOPIC_SUFFIX.replace('.', '\\.')}$`), 'delayed delivery uses for the delay topic'],
  [new RegExp(`${RETRY_TOPIC_SUFFIX.replace('.', '\\.')}$`), 'subscriber groups use for their retry topics (<topic>.<group>.retry)'],
  [PRIORITY_TOPIC_PATTERN, 'priority uses for a bucket topic'],
];

/**
 * Refuses a channel whose name or mapped topic ends like a topic derived from another channel's
 * (`.replies`, `.delay`, `.retry`, `.priority-<n>`): the two channels would share a topic.
 */
export function checkReservedTopicNames(channel: string, mappedTopic: string | undefined): void {
  for (const [name, what] of [[channel, 'Channel name'], ...(mappedTopic === undefined ? [] : [[mappedTopic, `Topic "${mappedTopic}" of channel`]])] as const) {
    for (const [pattern, use] of DERIVED) {
      const match = pattern.exec(name);
      if (match === null) continue;
      const subject = what === 'Channel name' ? `Channel name "${channel}"` : `${what} "${channel}"`;
      throw new ConfigError(`${subject} ends in "${match[0]}", which Kafka ${use} of channel "${name.slice(0, match.index)}"; choose another name`);
    }
  }
}
