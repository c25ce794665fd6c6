import { ConfigError, parseConfig } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { kafkaCapabilities } from './kafka-capabilities.js';
import { DEFAULT_MAX_MESSAGE_BYTES, KafkaOptionsSchema } from './options.js';

describe('KafkaOptionsSchema', () => {
  it('has production defaults', () => {
    const o = parseConfig(KafkaOptionsSchema, {}, 'options');
    expect(o).toMatchObject({ partitions: 3, idempotent: true, sessionTimeoutMs: 30_000, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES });
    expect(o.replicationFactor).toBeUndefined();
    // Added partitions are noticed within 30 s; Java-compatible group protocols first.
    expect(o).toMatchObject({ compression: 'none', metadataMaxAgeMs: 30_000, assignors: ['range', 'roundrobin', 'RoundRobinAssigner'] });
  });

  it('rejects unknown keys and a heartbeat not below the session timeout, naming the field', () => {
    expect(() => parseConfig(KafkaOptionsSchema, { partition: 3 }, 'options')).toThrow(/partition/);
    expect(() => parseConfig(KafkaOptionsSchema, { sessionTimeoutMs: 3000, heartbeatIntervalMs: 3000 }, 'options')).toThrow(ConfigError);
    expect(() => parseConfig(KafkaOptionsSchema, { replicationFactor: 2, minInsyncReplicas: 3 }, 'options')).toThrow(/minInsyncReplicas/);
  });

  it('reports the replication a durable channel\'s topic is created with', () => {
    expect(kafkaCapabilities(parseConfig(KafkaOptionsSchema, {}, 'options')).durable.limits).toEqual({ acks: 'all', idempotent: true, replicationFactor: 3, minInsyncReplicas: 2 });
    const custom = kafkaCapabilities(parseConfig(KafkaOptionsSchema, { replicationFactor: 5, minInsyncReplicas: 3 }, 'options')).durable;
    expect(custom.detail).toContain('replication factor 5 and min.insync.replicas 3');
  });

  it('reports every capability, the partition bound and what is emulated or unsupported', () => {
    const report = kafkaCapabilities(parseConfig(KafkaOptionsSchema, { partitions: 6 }, 'options'));
    expect(report.workQueue.limits).toEqual({ parallelism: 'partitions', defaultPartitions: 6 });
    expect([report.priority, report.delayedDelivery, report.messageTtl].map((c) => c.support)).toEqual(['emulated', 'emulated', 'emulated']);
    expect([report.requestReply, report.deadLetter].map((c) => c.support)).toEqual(['emulated', 'emulated']);
  });
});
