import type { PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { placementPartitioner } from './partition-placement.js';

const metadata = (count: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('placementPartitioner', () => {
  it('places keys as the Java client does (murmur2 over the partitions the producer knows)', () => {
    const place = placementPartitioner();
    const on = (count: number): number[] => ['a', 'b', 'c', 'd'].map((key) => place({ topic: 't', partitionMetadata: metadata(count), message: { key, value: null } }));
    // Utils.toPositive(Utils.murmur2(key.getBytes(UTF_8))) % n, printed by kafka-clients 3.9.
    expect(on(3)).toEqual([1, 2, 1, 2]);
    expect(placementPartitioner()({ topic: 't', partitionMetadata: metadata(6), message: { key: 'd', value: null } })).toBe(5);
  });

  it('keeps a record on the partition of its first attempt when a retry sees more partitions', () => {
    const place = placementPartitioner();
    const keyed = { key: 'customer-7', value: null };
    const unkeyed = { value: null };
    const first = [place({ topic: 't', partitionMetadata: metadata(3), message: keyed }), place({ topic: 't', partitionMetadata: metadata(3), message: unkeyed })];
    const retry = [place({ topic: 't', partitionMetadata: metadata(12), message: keyed }), place({ topic: 't', partitionMetadata: metadata(12), message: unkeyed })];
    expect(retry).toEqual(first);
  });

  it('spreads unkeyed records round-robin', () => {
    const place = placementPartitioner();
    const seen = Array.from({ length: 6 }, () => place({ topic: 't', partitionMetadata: metadata(3), message: { value: null } }));
    expect(new Set(seen).size).toBe(3);
  });
});
