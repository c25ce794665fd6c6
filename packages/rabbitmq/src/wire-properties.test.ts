import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import type { WireMessage } from '@switchboard/core';
import { EXPIRES_HEADER, fromDelivery, KEY_HEADER, toPublish } from './wire-properties.js';

const wire: WireMessage = {
  body: Buffer.from('{"a":1}'),
  headers: { 'cloudEvents:id': 'm-1', 'cloudEvents:time': '2030-01-02T03:04:05.678Z', 'content-type': 'application/json', tenant: 'acme' },
  id: 'm-1',
  key: 'cust-7',
  timestamp: Date.parse('2030-01-02T03:04:05.678Z'),
  priority: 4,
  ttlMs: 5_000,
};

function asDelivery(plan: ReturnType<typeof toPublish>, extraHeaders: Record<string, unknown> = {}): ConsumeMessage {
  return {
    content: plan.content,
    fields: { deliveryTag: 1, redelivered: false, exchange: 'x', routingKey: '', consumerTag: 'c' },
    properties: { ...plan.options, headers: { ...plan.options.headers, ...extraHeaders } },
  } as unknown as ConsumeMessage;
}

describe('wire properties', () => {
  it('maps content-type, id, timestamp, priority, ttl and key to AMQP and back', () => {
    const plan = toPublish(wire);
    expect(plan.options).toMatchObject({ contentType: 'application/json', messageId: 'm-1', priority: 4, expiration: '5000', persistent: true });
    expect(plan.options.timestamp).toBe(Math.floor(wire.timestamp / 1000));
    expect(plan.options.headers).not.toHaveProperty('content-type');
    expect(plan.options.headers[KEY_HEADER]).toBe('cust-7');
    const back = fromDelivery(asDelivery(plan)).wire;
    expect(back).toMatchObject({ id: 'm-1', key: 'cust-7', priority: 4, timestamp: wire.timestamp });
    expect(back.headers).toEqual(wire.headers);
  });

  it('uses expiration for the delay and carries the TTL as an absolute header', () => {
    const before = Date.now();
    const plan = toPublish(wire, { delayMs: 1_000 });
    expect(plan.options.expiration).toBe('1000');
    const expiresAt = plan.options.headers[EXPIRES_HEADER] as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 6_000);
    expect(fromDelivery(asDelivery(plan)).expiresAt).toBe(expiresAt);
  });

  it('drops broker bookkeeping headers and stringifies typed AMQP values', () => {
    const plan = toPublish({ ...wire, key: undefined } as WireMessage);
    const received = fromDelivery(asDelivery(plan, { 'x-death': [{ count: 1 }], 'x-first-death-queue': 'q', 'x-stream-offset': 42, n: 7, b: Buffer.from('hi') }));
    expect(received.offset).toBe(42);
    expect(received.wire.headers).toMatchObject({ n: '7', b: 'hi' });
    expect(Object.keys(received.wire.headers).some((name) => name.startsWith('x-'))).toBe(false);
    expect(received.wire.key).toBeUndefined();
  });
});
