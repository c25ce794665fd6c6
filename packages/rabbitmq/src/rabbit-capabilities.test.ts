import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES } from '@switchboard/core';
import { rabbitCapabilities, rabbitChannelCapabilities } from './rabbit-capabilities.js';

describe('rabbitmq capability report', () => {
  const report = rabbitCapabilities();

  it('lists every capability with one sentence of detail', () => {
    for (const name of CAPABILITY_NAMES) {
      const entry = report[name];
      expect(entry.detail).toMatch(/^[A-Z`].*\.$/);
      expect(entry.detail.slice(0, -1)).not.toMatch(/\.\s/);
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

describe('rabbitmq capability report by queue type', () => {
  const report = rabbitCapabilities();

  it('a durable channel gets quorum queues, and its durable detail says what survives what', () => {
    const durable = rabbitChannelCapabilities(report, 'c', { durable: true }).durable;
    expect(durable?.support).toBe('native');
    expect(durable?.detail).toContain('group queues are quorum queues');
    expect(durable?.detail).toContain('the loss of a minority of them');
    expect(durable?.detail).toContain('(the channel declares durable)');
  });

  it('durable with priority keeps classic queues and says they do not survive the loss of their node', () => {
    const overrides = rabbitChannelCapabilities(report, 'c', { durable: true, priority: true });
    expect(overrides.priority).toBeUndefined();
    expect(overrides.durable?.detail).toContain('classic queues, each on one node');
    expect(overrides.durable?.detail).toContain('not its loss on a cluster');
  });

  it('reports the conflict of priority with quorum queues', () => {
    const priority = rabbitChannelCapabilities(report, 'c', { priority: true }, { queueType: 'quorum' }).priority;
    expect(priority?.support).toBe('unsupported');
    expect(priority?.detail).toContain('no message priority in RabbitMQ 3.10');
    expect(rabbitChannelCapabilities(report, 'c', { priority: 'preferred', durable: true }).priority?.support).toBe('unsupported');
  });

  it('a bus defaulting to quorum reports priority unsupported, except on channels that choose classic', () => {
    const quorum = rabbitCapabilities('quorum');
    expect(quorum.priority.support).toBe('unsupported');
    expect(quorum.durable.detail).toContain('group queues are quorum queues');
    expect(rabbitChannelCapabilities(quorum, 'c', { priority: true }, { queueType: 'classic' }, 'quorum').priority?.support).toBe('native');
    expect(rabbitChannelCapabilities(quorum, 'c', { priority: true }, {}, 'quorum').priority).toBeUndefined();
  });

  it('a delivery limit extends deadLetter on quorum queues and is refused on classic ones', () => {
    const dead = rabbitChannelCapabilities(report, 'c', { durable: true, deadLetter: true }, { deliveryLimit: 5 }).deadLetter;
    expect(dead?.support).toBe('native');
    expect(dead?.detail).toContain('delivered 5 times without an ack');
    expect(() => rabbitChannelCapabilities(report, 'c', { deadLetter: true }, { deliveryLimit: 5 })).toThrow(/deliveryLimit needs quorum queues, but its queues are classic \(the channel does not declare durable\)/);
  });

  it('says streams are replicated', () => {
    expect(report.replay.detail).toContain('streams are replicated to every node of a cluster');
  });

  it('keeps every detail one sentence under every bus queue type', () => {
    for (const type of ['auto', 'classic', 'quorum'] as const) {
      for (const entry of Object.values(rabbitCapabilities(type))) expect(entry.detail.slice(0, -1)).not.toMatch(/\.\s/);
    }
    const overrides = rabbitChannelCapabilities(report, 'c', { durable: true, priority: true, deadLetter: true }, { queueType: 'quorum', deliveryLimit: 3 });
    for (const entry of Object.values(overrides)) expect(entry.detail).toMatch(/^[A-Z`].*\.$/);
  });
});
