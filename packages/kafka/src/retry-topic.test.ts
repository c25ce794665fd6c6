import type { Delivery, WireMessage } from '@switchboard/core';
import { describe, expect, it, vi } from 'vitest';
import { kafkaCapabilities, kafkaChannelCapabilities } from './kafka-capabilities.js';
import { KafkaOptionsSchema } from './options.js';
import { MAX_HELD_RETRIES, RETRY_DUE_HEADER, RETRY_POSITION_HEADER, RetryRoute, retryGroupIdOf, retryTopicOf } from './retry-topic.js';

function delivery(headers: Record<string, string>, acks: string[] = [], id = 'm-1'): Delivery {
  return { body: Buffer.from('{}'), headers, id, timestamp: 1, key: 'k', redelivered: false, position: 'pos-0', ack: () => void acks.push(id) };
}

const base = kafkaCapabilities(KafkaOptionsSchema.parse({}));

describe('retry topic names', () => {
  it('is <topic>.<group id>.retry with the group id encoded without dots', () => {
    expect(retryTopicOf('orders', 'orders:billing')).toBe('orders.orders_3abilling.retry');
    expect(retryTopicOf('order-events', 'order-events:billing-eu')).toBe('order-events.order-events_3abilling-eu.retry');
    expect(retryTopicOf('a.b', 'switchboard.a.b:g')).toBe('a.b.switchboard_2ea_2eb_3ag.retry');
    expect(retryGroupIdOf('orders:billing')).toBe('orders:billing:@retry');
  });

  it('gives different (topic, group id) pairs different names', () => {
    const pairs: [string, string][] = [
      ['a.b', 'c'],
      ['a', 'b.c'],
      ['a', 'b_2ec'],
      ['a', 'b:c'],
      ['a', 'b_3ac'],
      ['a', 'b-c'],
    ];
    const names = pairs.map(([t, g]) => retryTopicOf(t, g));
    expect(new Set(names).size).toBe(pairs.length);
  });

  it('stays within Kafka’s 249 characters, distinct per pair, ending in .retry', () => {
    const topic = 't'.repeat(249);
    const names = ['g1', 'g2'].map((g) => retryTopicOf(topic, g));
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(249);
      expect(name).toMatch(/^[A-Za-z0-9._-]+\.retry$/);
    }
    expect(names[0]).not.toBe(names[1]);
    expect(retryTopicOf('orders', 'x'.repeat(255)).length).toBeLessThanOrEqual(249);
  });
});

describe('RetryRoute', () => {
  it('drops a foreign sb-attempt from channel records and retries by producing first, acking after', async () => {
    const produced: WireMessage[] = [];
    const acks: string[] = [];
    let release!: () => void;
    const route = new RetryRoute({
      produce: (record) => {
        produced.push(record);
        return new Promise<void>((resolve) => (release = resolve));
      },
      deliver: () => undefined,
    });
    const factory = route.channelDeliveries(() => delivery({ 'sb-attempt': '99', tenant: 't' }, acks));
    const d = factory({} as never, 0, () => {}, false) as Delivery;
    expect(d.headers).toEqual({ tenant: 't' });
    const before = Date.now();
    const retried = d.retryLater?.(1_000, { tenant: 't', 'sb-attempt': '2' });
    await Promise.resolve();
    expect(acks).toEqual([]);
    release();
    await retried;
    expect(acks).toEqual(['m-1']);
    const [record] = produced;
    expect(record?.key).toBe('k');
    expect(record?.headers['sb-attempt']).toBe('2');
    expect(record?.headers[RETRY_POSITION_HEADER]).toBe('pos-0');
    expect(Number(record?.headers[RETRY_DUE_HEADER])).toBeGreaterThanOrEqual(before + 1_000);
  });

  it('leaves the original unacked when the retry cannot be produced', async () => {
    const acks: string[] = [];
    const route = new RetryRoute({ produce: () => Promise.reject(new Error('broker away')), deliver: () => undefined });
    const d = route.channelDeliveries(() => delivery({}, acks))({} as never, 0, () => {}, false) as Delivery;
    await expect(d.retryLater?.(10, {})).rejects.toThrow('broker away');
    expect(acks).toEqual([]);
  });

  it('refuses a retry that would outlive the retry topic’s retention (core then retries in-process), produces a shorter one', async () => {
    const produced: WireMessage[] = [];
    const acks: string[] = [];
    const route = new RetryRoute({ produce: async (record) => void produced.push(record), deliver: () => undefined, retention: { topic: 'orders.g.retry', ms: 60_000 } });
    const d = route.channelDeliveries(() => delivery({}, acks))({} as never, 0, () => {}, false) as Delivery;
    await expect(d.retryLater?.(60_000, {})).rejects.toThrow(/outlive retry topic "orders.g.retry", which keeps records 60000 ms \(retention.ms\)/);
    expect(produced).toEqual([]);
    expect(acks).toEqual([]);
    await d.retryLater?.(59_000, {});
    expect(produced).toHaveLength(1);
    expect(acks).toEqual(['m-1']);
  });

  it('hands retry records to the handler in due order, as the original (position, no control headers)', async () => {
    const delivered: Delivery[] = [];
    const route = new RetryRoute({ produce: async () => {}, deliver: (d) => void delivered.push(d) });
    const now = Date.now();
    route.hold(delivery({ [RETRY_DUE_HEADER]: String(now + 60), [RETRY_POSITION_HEADER]: 'p-b', 'sb-attempt': '2' }, [], 'b'));
    route.hold(delivery({ [RETRY_DUE_HEADER]: String(now + 20), [RETRY_POSITION_HEADER]: 'p-a', 'sb-attempt': '3' }, [], 'a'));
    expect(delivered).toEqual([]);
    await vi.waitFor(() => expect(delivered).toHaveLength(2), { timeout: 2_000, interval: 5 });
    expect(delivered.map((d) => d.id)).toEqual(['a', 'b']);
    expect(delivered[0]?.position).toBe('p-a');
    expect(delivered[0]?.headers).toEqual({ 'sb-attempt': '3' });
    expect(typeof delivered[0]?.retryLater).toBe('function');
    route.close();
  });

  it('drops the held records of partitions a rebalance took away (their new owner runs them), keeps the others in due order', async () => {
    const delivered: Delivery[] = [];
    const route = new RetryRoute({ produce: async () => {}, deliver: (d) => void delivered.push(d) });
    const now = Date.now();
    const records = [
      ['p0-late', 0, 80],
      ['p1', 1, 10],
      ['p0-early', 0, 40],
      ['p2', 2, 20],
    ] as const;
    for (const [id, partition, inMs] of records) {
      const factory = route.retryDeliveries(() => delivery({ [RETRY_DUE_HEADER]: String(now + inMs) }, [], id));
      route.hold(factory({} as never, partition, () => {}, false) as Delivery);
    }
    route.assigned([0, 2]);
    await vi.waitFor(() => expect(delivered).toHaveLength(3), { timeout: 2_000, interval: 5 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(delivered.map((d) => d.id)).toEqual(['p2', 'p0-early', 'p0-late']);
    route.close();
  });

  it('asks the retry consumer to wait while it holds the maximum, and stops handing out on stop()', () => {
    const delivered: Delivery[] = [];
    const route = new RetryRoute({ produce: async () => {}, deliver: (d) => void delivered.push(d) });
    const far = String(Date.now() + 60_000);
    let room: Promise<void> | undefined;
    for (let i = 0; i < MAX_HELD_RETRIES; i++) room = route.hold(delivery({ [RETRY_DUE_HEADER]: far }, [], `m-${i}`));
    expect(room).toBeInstanceOf(Promise);
    route.stop();
    route.close();
    return room;
  });
});

describe('kafkaChannelCapabilities', () => {
  it('reports retry topics in general and in-process retries on orderedByKey channels', () => {
    expect(base.deadLetter.detail).toContain('<topic>.<group id>.retry');
    expect(kafkaChannelCapabilities(base, 'c', { deadLetter: true })).toEqual({});
    const ordered = kafkaChannelCapabilities(base, 'c', { deadLetter: true, orderedByKey: true }).deadLetter;
    expect(ordered?.support).toBe('emulated');
    expect(ordered?.detail).toContain('in-process');
    expect(ordered?.limits).toEqual({ retries: 'in-process' });
  });
});
