import { ConfigError, type ReplayFrom } from '@switchboard/core';
import { decodePosition } from './position.js';
import type { TopicAdmin } from './topic-admin.js';

/** Where a replay starts: per-partition offsets to seek to, or the earliest retained offset everywhere. */
export interface ReplayStart {
  fromBeginning: boolean;
  seekTo: Map<number, string>;
}

/**
 * Translates `replay({ from })` into partition offsets. A position names one partition and offset;
 * the other partitions start at the first message not older than the positioned one (their order
 * relative to it is only known by time), so nothing after it is missed.
 */
export async function replayStart(channel: string, from: ReplayFrom, admin: TopicAdmin): Promise<ReplayStart> {
  if (from === 'earliest') return { fromBeginning: true, seekTo: new Map() };
  if (from === 'latest') {
    const offsets = await admin.topicOffsets(channel);
    return { fromBeginning: false, seekTo: new Map(offsets.map((o) => [o.partition, o.high])) };
  }
  if ('timestamp' in from) {
    return { fromBeginning: true, seekTo: await admin.offsetsForTimestamp(channel, from.timestamp.getTime()) };
  }
  const position = decodePosition(from.position);
  const partitions = await admin.partitionCount(channel);
  if (position.partition >= partitions) {
    throw new ConfigError(`replay({ from: { position } }): position "${from.position}" names partition ${position.partition}, but topic "${channel}" has ${partitions}`);
  }
  const others =
    position.timestamp > 0
      ? await admin.offsetsForTimestamp(channel, position.timestamp)
      : new Map((await admin.topicOffsets(channel)).map((o) => [o.partition, o.low]));
  others.set(position.partition, position.offset);
  // An offset already removed by retention resets to the earliest one still there.
  return { fromBeginning: true, seekTo: others };
}
