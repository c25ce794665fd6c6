import { describe, expect, it } from 'vitest';
import { unacknowledged } from './kafka-publisher.js';

describe('unacknowledged', () => {
  const m = (partition: number, value: string) => ({ partition, value });

  it('returns the messages of partitions sendBatch resolved without acknowledging (kafkajs#1303)', () => {
    const sent: [string, { partition: number; value: string }[]][] = [
      ['orders', [m(0, 'a'), m(1, 'b'), m(2, 'c'), m(0, 'd')]],
      ['audit', [m(0, 'e')]],
    ];
    const acked = [
      { topicName: 'orders', partition: 1 },
      { topicName: 'orders', partition: 2 },
      { topicName: 'audit', partition: 0 },
    ];
    expect(unacknowledged(sent, acked)).toEqual([['orders', [m(0, 'a'), m(0, 'd')]]]);
    expect(unacknowledged(sent, [...acked, { topicName: 'orders', partition: 0 }])).toEqual([]);
  });
});
