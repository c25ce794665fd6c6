import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import type { WireMessage } from '@switchboard/core';
import { EXPIRES_HEADER, fromDelivery, KEY_HEADER, toPublish } from './wire-properties.js';

const wire: WireMessage = {
  body: Buffer.from('{"a":1}'),
  headers: { 'cloudEvents_id': 'm-1', 'cloudEvents_time': '2030-01-02T03:04:05.678Z', 'content-type': 'application/json', tenant: 'acme' },
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
    expect(fromDelivery(asDelivery(plan, { 'x-death': [{ count: 1 }] })).expiresAt).toBe(expiresAt);
    // Not through a delay queue: a foreign publisher's header, which must not expire the message.
    expect(fromDelivery(asDelivery(plan)).expiresAt).toBeUndefined();
  });

  it('drops broker bookkeeping headers and stringifies typed AMQP values', () => {
    const plan = toPublish({ ...wire, key: undefined } as WireMessage);
    const received = fromDelivery(asDelivery(plan, { 'x-death': [{ count: 1 }], 'x-first-death-queue': 'q', 'x-stream-offset': 42, n: 7, b: Buffer.from('hi') }));
    expect(received.offset).toBe(42);
    expect(received.wire.headers).toMatchObject({ n: '7', b: 'hi' });
    expect(Object.keys(received.wire.headers).some((name) => name.startsWith('x-'))).toBe(false);
    expect(received.wire.key).toBeUndefined();
  });

  it('reads both CloudEvents separators and writes the key with the message\'s own', () => {
    const colon = toPublish({ ...wire, headers: { 'cloudEvents:specversion': '1.0', 'cloudEvents:id': 'c-1' } });
    expect(colon.options.headers).toHaveProperty('cloudEvents:partitionkey', 'cust-7');
    expect(colon.options.headers).not.toHaveProperty(KEY_HEADER);
    const back = fromDelivery(asDelivery({ ...colon, options: { ...colon.options, messageId: undefined } })).wire;
    expect(back).toMatchObject({ id: 'c-1', key: 'cust-7' });
  });

  it('trusts the attempt header only after a broker dead-letter hop', () => {
    const plan = toPublish({ ...wire, headers: { ...wire.headers, 'sb-attempt': '4' } });
    expect(fromDelivery(asDelivery(plan)).wire.headers).not.toHaveProperty('sb-attempt');
    expect(fromDelivery(asDelivery(plan, { 'x-death': [{ count: 1 }] })).wire.headers).toHaveProperty('sb-attempt', '4');
  });

  it('gives messages without message_id unique ids (the CloudEvents id, the stream offset, else random)', () => {
    const plan = toPublish({ ...wire, headers: { tenant: 'x' } });
    const bare = { ...plan, options: { ...plan.options, messageId: undefined } };
    const a = fromDelivery(asDelivery(bare)).wire.id;
    const b = fromDelivery(asDelivery(bare)).wire.id;
    expect(a).not.toBe(b);
    expect(a).not.toBe('1');
    expect(fromDelivery(asDelivery(bare, { 'x-stream-offset': 9 })).wire.id).toBe('stream-offset-9');
  });
});
