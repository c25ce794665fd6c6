import { ConfigError } from '@switchboard/core';

/** Where a message sits in a topic: what `message.position` encodes and `replay` accepts back. */
export interface KafkaPosition {
  partition: number;
  offset: string;
  /** The message's Kafka timestamp (ms), used to place the replay start in the other partitions. */
  timestamp: number;
}

/** `"<partition>:<offset>:<timestamp>"` — opaque to applications, stable across versions. */
export function encodePosition(position: KafkaPosition): string {
  return `${position.partition}:${position.offset}:${position.timestamp}`;
}

export function decodePosition(text: string): KafkaPosition {
  const match = /^(\d{1,9}):(\d{1,19})(?::(\d{1,16}))?$/.exec(text);
  if (match === null) {
    throw new ConfigError(`replay({ from: { position } }): "${text}" is not a Kafka position; pass back a message.position from this channel`);
  }
  return { partition: Number(match[1]), offset: match[2] as string, timestamp: Number(match[3] ?? 0) };
}

/** Orders two Kafka offsets (non-negative decimal strings without leading zeros) without parsing them. */
export function compareOffsets(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
