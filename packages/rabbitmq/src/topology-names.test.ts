import { describe, expect, it } from 'vitest';
import { CHANNEL_NAME_PATTERN, ConfigError } from '@switchboard/core';
import { delayBucket, MAX_DELAY_MS, MIN_BUCKET_MS } from './delay-buckets.js';
import {
  delayQueueName,
  groupQueueName,
  MAX_GROUP_QUEUE_BYTES,
  MAX_NAME_BYTES,
  PARKED_GROUP,
  requestQueueName,
  retryQueueName,
  streamQueueName,
} from './topology-names.js';

/** Every queue name Switchboard derives for a set of channels and groups, with what it is for. */
function allQueues(channels: string[], groups: string[]): Map<string, string> {
  const seen = new Map<string, string>();
  const add = (name: string, owner: string): void => {
    const earlier = seen.get(name);
    if (earlier !== undefined && earlier !== owner) throw new Error(`"${name}" is both ${earlier} and ${owner}`);
    seen.set(name, owner);
  };
  const buckets = [MIN_BUCKET_MS, delayBucket(1000), delayBucket(MAX_DELAY_MS)];
  for (const channel of channels) {
    add(streamQueueName(channel), `stream of ${channel}`);
    add(requestQueueName(channel), `requests of ${channel}`);
    for (const bucket of buckets) add(delayQueueName(channel, bucket), `delay ${bucket} of ${channel}`);
    for (const group of [...groups, PARKED_GROUP]) {
      add(groupQueueName(channel, group), `group ${group} of ${channel}`);
      for (const bucket of buckets) add(retryQueueName(channel, group, bucket), `retry ${bucket} of ${channel}/${group}`);
    }
  }
  return seen;
}

describe('RabbitMQ queue names', () => {
  it('keeps (channel, group) pairs apart where "." joined them into one queue', () => {
    expect(groupQueueName('B', 'q.w')).not.toBe(groupQueueName('B.q', 'w'));
    // `dead.parked` of B against the parked queue of B's dead-letter channel.
    expect(groupQueueName('B', 'dead.parked')).not.toBe(groupQueueName('B.dead', PARKED_GROUP));
    expect(groupQueueName('a-b', 'c')).not.toBe(groupQueueName('a', 'b-c'));
    expect(groupQueueName('a_b', 'c')).not.toBe(groupQueueName('a', 'b_c'));
  });

  it('derives no name twice across channels, groups and internal queues built to collide', () => {
    // Names whose dotted, dashed and underscored joins overlap each other and the internal suffixes.
    const channels = ['B', 'B.q', 'B.dead', 'B.dead.parked', 'B.stream', 'B.requests', 'B.q.w', 'B-q', 'B_q', 'x.delay-8', 'x', 'x.retry-8', 'B.q.w.dead'];
    const groups = ['w', 'q.w', 'dead.parked', 'dead', 'stream', 'requests', 'delay-8', 'retry-8', 'q', 'w.dead'];
    for (const name of [...channels, ...groups]) expect(name).toMatch(CHANNEL_NAME_PATTERN);
    expect(() => allQueues(channels, groups)).not.toThrow();
    expect(allQueues(channels, groups).size).toBe(channels.length * (2 + 3 + (groups.length + 1) * 4));
  });

  it('is injective: a group queue name splits back into its (channel, group) pair', () => {
    const channels = ['a', 'a.b', 'a.b.c', 'b', 'b.c'];
    const groups = ['c', 'b.c', 'a', 'dead.parked'];
    for (const channel of channels) {
      for (const group of groups) {
        const name = groupQueueName(channel, group);
        const at = name.indexOf(':');
        expect([name.slice(0, at), name.slice(at + 1)]).toEqual([channel, group]);
      }
    }
  });

  it('refuses a channel and group too long for the queue and its retry queues, within 255 bytes', () => {
    const channel = 'c'.repeat(200);
    const fits = 'g'.repeat(MAX_GROUP_QUEUE_BYTES - channel.length - 1);
    expect(groupQueueName(channel, fits)).toHaveLength(MAX_GROUP_QUEUE_BYTES);
    expect(Buffer.byteLength(retryQueueName(channel, fits, delayBucket(MAX_DELAY_MS)))).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(() => groupQueueName(channel, `${fits}g`)).toThrow(ConfigError);
    expect(() => groupQueueName(channel, `${fits}g`)).toThrow(/over the 239 bytes/);
    // The longest channel's internal queues always fit.
    expect(Buffer.byteLength(delayQueueName(channel, delayBucket(MAX_DELAY_MS)))).toBeLessThanOrEqual(MAX_NAME_BYTES);
  });
});
