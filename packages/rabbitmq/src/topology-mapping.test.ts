import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@switchboard/core';
import { RabbitChannelOptionsSchema } from './options.js';
import { groupRoute, publishRoutingKey, resolveMapping, type ChannelMapping } from './topology-mapping.js';

function mapping(channel: string, rabbitmq: unknown): ChannelMapping {
  const options = parseConfig(RabbitChannelOptionsSchema, { rabbitmq }, `RabbitMQ options of channel "${channel}"`);
  return resolveMapping(channel, options.rabbitmq);
}

describe('RabbitMQ topology mapping', () => {
  it('defaults to Switchboard topology: the channel fanout exchange, <channel>:<group> queues, no routing key', () => {
    const plain = resolveMapping('orders', undefined);
    expect(plain).toMatchObject({ exchange: 'orders', exchangeType: 'fanout', declareExchange: true, routing: { from: 'none' }, mapped: false });
    expect(groupRoute(plain, 'billing')).toEqual({ queue: 'orders:billing', declare: true, bindings: [{ pattern: '' }], derived: true });
    expect(publishRoutingKey(plain, 'k1')).toBe('');
    expect(mapping('orders', {}).mapped).toBe(false);
  });

  it('maps a topic exchange: the message key routes, groups bind their patterns, unbound groups get "#"', () => {
    const topic = mapping('orders', { exchange: { name: 'shop.events', type: 'topic', declare: false }, groups: { eu: { bindings: ['orders.*.eu'] } } });
    expect(topic).toMatchObject({ exchange: 'shop.events', exchangeType: 'topic', declareExchange: false, routing: { from: 'key', fallback: '' }, mapped: true });
    expect(groupRoute(topic, 'eu')).toEqual({ queue: 'orders:eu', declare: true, bindings: [{ pattern: 'orders.*.eu' }], derived: true });
    expect(groupRoute(topic, 'all').bindings).toEqual([{ pattern: '#' }]);
    expect(publishRoutingKey(topic, 'orders.created.eu')).toBe('orders.created.eu');
    expect(publishRoutingKey(topic, undefined)).toBe('');
  });

  it('takes a fixed routing key or a default for unkeyed messages', () => {
    expect(publishRoutingKey(mapping('o', { exchange: { type: 'direct' }, routingKey: { fixed: 'created' } }), 'k')).toBe('created');
    expect(publishRoutingKey(mapping('o', { exchange: { type: 'topic' }, routingKey: { from: 'key', default: 'orders.other' } }), undefined)).toBe('orders.other');
  });

  it('consumes an existing queue as it is, or declares a mapped queue name', () => {
    const m = mapping('orders', { groups: { legacy: { queue: 'billing-in' }, named: { queue: 'svc.orders', declare: true } } });
    expect(groupRoute(m, 'legacy')).toEqual({ queue: 'billing-in', declare: false, bindings: [], derived: false });
    expect(groupRoute(m, 'named')).toEqual({ queue: 'svc.orders', declare: true, bindings: [{ pattern: '' }], derived: false });
  });

  it('turns header matches into headers-exchange binding arguments', () => {
    const m = mapping('o', { exchange: { type: 'headers' }, groups: { eu: { bindings: [{ match: 'any', headers: { region: 'eu', tier: 1 } }] } } });
    expect(groupRoute(m, 'eu').bindings).toEqual([{ pattern: '', args: { 'x-match': 'any', region: 'eu', tier: 1 } }]);
    expect(groupRoute(m, 'other').bindings).toEqual([{ pattern: '', args: { 'x-match': 'all' } }]);
  });

  it.each([
    [{ exchange: { type: 'direct' }, groups: { g: {} } }, 'direct', /direct exchange routes exact keys only/],
    [{ groups: { g: { bindings: ['a.*'] } } }, 'fanout', /rabbitmq\.groups\.g\.bindings: a fanout exchange gives every bound queue every message/],
    [{ exchange: { type: 'headers' }, groups: { g: { bindings: ['a.*'] } } }, 'headers', /headers exchange matches headers, not the key "a\.\*"/],
    [{ exchange: { type: 'topic' }, groups: { g: { bindings: [{ headers: { a: '1' } }] } } }, 'topic', /header matches need a headers exchange/],
    [{ routingKey: { fixed: 'x' } }, 'fanout', /rabbitmq\.routingKey: a fanout exchange ignores routing keys/],
    [{ groups: { g: { declare: false } } }, 'fanout', /groups\.g\.declare: declare: false needs the name of the existing queue/],
    [{ exchange: { type: 'topic' }, groups: { g: { queue: 'q', bindings: ['a'] } } }, 'topic', /existing queue \(declare: false\) keeps the bindings its owner gave it/],
  ])('refuses %j', (rabbitmq, _type, message) => {
    expect(() => {
      const m = mapping('o', rabbitmq);
      for (const group of m.groups.keys()) groupRoute(m, group);
    }).toThrow(message);
  });

  it('rejects unknown keys, unknown exchange types and x- header matches with the field named', () => {
    expect(() => mapping('o', { exchnage: { name: 'x' } })).toThrow(/rabbitmq: unknown key exchnage/);
    expect(() => mapping('o', { exchange: { type: 'x-delayed-message' } })).toThrow(ConfigError);
    expect(() => mapping('o', { exchange: { type: 'headers' }, groups: { g: { bindings: [{ headers: { 'x-region': 'eu' } }] } } })).toThrow(/ignores headers starting with x-/);
    expect(() => mapping('o', { exchange: { name: 'e'.repeat(256) } })).toThrow(/longer than RabbitMQ's 255 bytes/);
    expect(() => mapping('o', { groups: { 'bad name': {} } })).toThrow(/invalid group name/);
  });

  it('leaves the other (flat) channel options and other backends\' keys alone', () => {
    const options = parseConfig(RabbitChannelOptionsSchema, { partitions: 6, streamMaxAge: '1D', rabbitmq: { exchange: { type: 'topic' } } }, 'x');
    expect(options).toMatchObject({ streamMaxAge: '1D', rabbitmq: { exchange: { type: 'topic', declare: true } } });
  });
});
