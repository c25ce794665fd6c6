import { describe, expect, it } from 'vitest';
import { bucketGroupId, bucketOf, bucketRange, bucketTopic, bucketTopics, PRIORITY_HEADER, priorityLevels, routeByPriority } from './priority-buckets.js';

const wire = (priority?: number, headers: Record<string, string> = {}) => ({ body: Buffer.from('x'), headers, id: 'i', timestamp: 1, ...(priority !== undefined && { priority }) });

describe('priority buckets', () => {
  it('cuts 0..maxPriority into equal slices, lowest level first', () => {
    expect(Array.from({ length: 11 }, (_, p) => bucketOf(p, 10))).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
    expect([0, 1, 2, 3, 4, 5].map((p) => bucketOf(p, 5))).toEqual([0, 0, 1, 1, 2, 2]);
    expect([0, 1].map((p) => bucketOf(p, 1))).toEqual([0, 1]);
    expect(bucketOf(undefined, 10)).toBe(0);
    expect(bucketOf(255, 255)).toBe(2);
    expect(bucketRange(1, 10)).toEqual([4, 7]);
  });

  it('gives a channel at most three levels, fewer when maxPriority is lower', () => {
    expect([1, 2, 10, 255].map(priorityLevels)).toEqual([2, 3, 3, 3]);
    expect(bucketTopics('orders', 10)).toEqual(['orders', 'orders.priority-1', 'orders.priority-2']);
    expect(bucketTopic('orders', 0)).toBe('orders');
    expect(bucketGroupId('sb.orders:billing', 0)).toBe('sb.orders:billing');
    expect(bucketGroupId('sb.orders:billing', 2)).toBe('sb.orders:billing.priority-2');
  });

  it('routes a batch by priority and keeps the priority in a header (the delay forwarder reads it back)', () => {
    const routed = routeByPriority('t', 10, [wire(9), wire(), wire(1), wire(undefined, { [PRIORITY_HEADER]: '5' })]);
    expect([...routed.keys()].sort()).toEqual(['t', 't.priority-1', 't.priority-2']);
    expect(routed.get('t')).toHaveLength(2);
    expect(routed.get('t.priority-2')?.[0]?.headers[PRIORITY_HEADER]).toBe('9');
    expect(routed.get('t')?.[0]?.headers[PRIORITY_HEADER]).toBeUndefined();
  });
});
