import { describe, expect, it } from 'vitest';
import { kafkaCapabilities, kafkaChannelCapabilities } from './kafka-capabilities.js';
import { KafkaOptionsSchema } from './options.js';

const base = kafkaCapabilities(KafkaOptionsSchema.parse({}));

describe('kafkaChannelCapabilities (priority)', () => {
  it('reports priority emulated with its levels, anti-starvation rule and buffer bound', () => {
    expect(base.priority).toMatchObject({ support: 'emulated', limits: { levels: 3, starvationLimit: 8 } });
    const own = kafkaChannelCapabilities(base, 'orders', { priority: true }, { maxPriority: 5 });
    expect(own.priority).toMatchObject({ support: 'emulated', limits: { levels: 3, maxPriority: 5 } });
    expect(own.priority?.detail).toContain('priorities 0-1, 2-3, 4-5 of maxPriority 5');
    expect(own.priority?.detail).toContain('"orders.priority-1".."orders.priority-2"');
    expect(kafkaChannelCapabilities(base, 'orders', { workQueue: true })).toEqual({});
  });

  it('refuses priority with orderedByKey on one channel, saying why and what to do', () => {
    const own = kafkaChannelCapabilities(base, 'orders', { priority: true, orderedByKey: true });
    expect(own.priority?.support).toBe('unsupported');
    expect(own.priority?.detail).toMatch(/per-key order cannot hold\. Split the channel/);
  });

  it('refuses replay on a priority channel (its messages span several topics)', () => {
    const own = kafkaChannelCapabilities(base, 'audit', { priority: true, replay: true }, { kafka: { topic: 'legacy-audit' } });
    expect(own.replay?.support).toBe('unsupported');
    expect(own.replay?.detail).toContain('"legacy-audit" and "legacy-audit.priority-1".."legacy-audit.priority-2"');
    expect(own.priority).toBeUndefined();
  });

  it('says what a mapped topic and request/reply get on a priority channel', () => {
    const own = kafkaChannelCapabilities(base, 'orders', { priority: true, requestReply: true }, { kafka: { topic: 'shop-orders' }, maxPriority: 1 });
    expect(own.priority?.detail).toContain('other consumers of the mapped topic "shop-orders" see only the lowest level');
    expect(own.priority?.detail).toContain('2 levels');
    expect(own.requestReply).toMatchObject({ support: 'emulated' });
    expect(own.requestReply?.detail).toContain('requests carry no priority');
  });
});
