import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, KNOWN_SUPPORT } from '@switchboard/core';
import { rabbitCapabilities, rabbitChannelCapabilities } from './rabbit-capabilities.js';

describe('rabbitmq capability report', () => {
  const report = rabbitCapabilities();

  it('lists every capability with one sentence of detail and matches KNOWN_SUPPORT', () => {
    for (const name of CAPABILITY_NAMES) {
      const entry = report[name];
      expect(entry.detail).toMatch(/^[A-Z`].*\.$/);
      expect(entry.detail.slice(0, -1)).not.toMatch(/\.\s/);
      expect(entry.support).toBe(KNOWN_SUPPORT.rabbitmq[name]);
    }
    expect(report.priority.limits).toEqual({ maxPriority: 255 });
  });

  it('refuses workQueue next to orderedByKey (single active consumer), and nothing else by default', () => {
    expect(rabbitChannelCapabilities(report, 'c', { orderedByKey: true, workQueue: true }).workQueue?.support).toBe('unsupported');
    expect(rabbitChannelCapabilities(report, 'c', { orderedByKey: true })).toEqual({});
    expect(rabbitChannelCapabilities(report, 'c', { replay: true, priority: true }).replay?.support).toBe('native');
  });
});

describe('rabbitmq capability report of a mapped channel', () => {
  const report = rabbitCapabilities();
  const topic = {
    rabbitmq: {
      exchange: { name: 'shop.events', type: 'topic', declare: false },
      groups: { eu: { bindings: ['orders.*.eu'] }, legacy: { queue: 'billing-in' } },
    },
  };

  it('says what a topic mapping changes: groups still get copies, but only of what their bindings match', () => {
    const overrides = rabbitChannelCapabilities(report, 'orders', { fanout: true }, topic);
    expect(overrides.fanout?.support).toBe('native');
    expect(overrides.fanout?.detail).toContain('existing topic exchange "shop.events" (used as it is, not declared) with the message key as routing key');
    expect(overrides.fanout?.detail).toContain('only of the messages its bindings match; groups without bindings get every message ("#")');
    expect(overrides.fanout?.detail).toContain('group "eu" binds "orders.*.eu"');
    expect(overrides.fanout?.detail).toContain('group "legacy" reads the existing queue "billing-in" as its owner bound it');
    expect(overrides.workQueue?.detail).toContain('share them with any other consumers');
    expect(overrides.replay?.detail).toContain('bound with "#"');
    expect(overrides.delayedDelivery?.detail).toContain('"orders~delay" headers exchange');
  });

  it('reports replay unsupported on a direct exchange and refuses a direct group without bindings', () => {
    const direct = { rabbitmq: { exchange: { type: 'direct' }, groups: { a: { bindings: ['created'] } } } };
    expect(rabbitChannelCapabilities(report, 'o', { replay: true }, direct).replay?.support).toBe('unsupported');
    expect(() => rabbitChannelCapabilities(report, 'o', {}, { rabbitmq: { exchange: { type: 'direct' }, groups: { a: {} } } })).toThrow(/needs bindings/);
  });

  it('throws ConfigError for an invalid mapping, naming the field', () => {
    expect(() => rabbitChannelCapabilities(report, 'o', {}, { rabbitmq: { exchange: { type: 'topc' } } })).toThrow(/RabbitMQ options of channel "o": rabbitmq\.exchange\.type/);
  });
});
