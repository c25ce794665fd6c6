import { ConfigError } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { ChannelMap, parseChannelOptions } from './channel-mapping.js';

describe('Kafka channel mapping', () => {
  it('defaults to the channel name, <prefix><channel>:<group> and the bus compression', () => {
    const map = new ChannelMap('env-', 'none');
    map.declare('orders', parseChannelOptions('orders', { partitions: 6, maxPriority: 10 }));
    expect(map.topicOf('orders')).toBe('orders');
    expect(map.groupIdOf('orders', 'billing')).toBe('env-orders:billing');
    expect(map.compressionOf('orders')).toBe('none');
    expect(map.topicOf('never-declared')).toBe('never-declared');
  });

  it('maps a channel onto an existing topic and group ids (used as given) and reports them', () => {
    const map = new ChannelMap('env-', 'gzip');
    const options = parseChannelOptions('orders', { kafka: { topic: 'legacy.orders.v1', groupIds: { billing: 'billing-service' }, compression: 'lz4' }, rabbitmq: { exchange: 'x' } });
    map.declare('orders', options);
    map.noteGroup('orders', 'audit');
    map.setFacts('orders', { partitions: 12, created: false, compacted: false }, ['a warning']);
    expect(map.topicOf('orders')).toBe('legacy.orders.v1');
    expect(map.groupIdOf('orders', 'billing')).toBe('billing-service');
    expect(map.compressionOf('legacy.orders.v1')).toBe('lz4');
    expect(map.topology('orders')).toEqual({
      names: { topic: 'legacy.orders.v1', 'group audit': 'env-orders:audit', 'group billing': 'billing-service' },
      settings: { compression: 'lz4', partitions: 12, created: false, cleanupPolicy: 'delete' },
      warnings: ['a warning'],
    });
  });

  it('refuses Kafka keys outside options.kafka, unknown keys inside it and invalid topic names', () => {
    expect(() => parseChannelOptions('orders', { topic: 'x' })).toThrow(/options\.kafka/);
    expect(() => parseChannelOptions('orders', { kafka: { topik: 'x' } })).toThrow(ConfigError);
    expect(() => parseChannelOptions('orders', { kafka: { topic: 'has space' } })).toThrow(/topic/);
    expect(() => parseChannelOptions('orders', { kafka: { compression: 'brotli' } })).toThrow(/compression/);
  });

  it('refuses two channels on one topic with different compression', () => {
    const map = new ChannelMap('', 'none');
    map.declare('a', parseChannelOptions('a', { kafka: { topic: 't', compression: 'lz4' } }));
    expect(() => map.declare('b', parseChannelOptions('b', { kafka: { topic: 't', compression: 'zstd' } }))).toThrow(/compression/);
  });
});
