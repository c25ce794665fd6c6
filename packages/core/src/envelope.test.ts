import { describe, expect, it } from 'vitest';
import { decodeMessage, deadLetterInfo, encodeMessage, HEADERS } from './envelope.js';
import type { Delivery } from './spi.js';

const asDelivery = (wire: ReturnType<typeof encodeMessage>): Delivery => ({ ...wire, redelivered: false, ack: () => {} });

describe('envelope', () => {
  it('names CloudEvents attributes with the binding prefix', () => {
    const wire = encodeMessage({ a: 1 }, 'svc', 'orders', 'ce_', { id: 'x', traceparent: 'tp' });
    expect(wire.headers).toMatchObject({ ce_specversion: '1.0', ce_id: 'x', ce_source: 'svc', ce_type: 'orders', ce_traceparent: 'tp', 'content-type': 'application/json' });
    const amqp = encodeMessage('x', 's', 't', 'cloudEvents:');
    expect(Object.keys(amqp.headers).filter((k) => k.startsWith('cloudEvents:'))).toHaveLength(5);
  });

  it('round-trips payload, attributes and application headers, dropping reserved names', () => {
    const wire = encodeMessage([1, 'two'], 's', 't', 'ce_', { headers: { tenant: 'a', ce_id: 'spoof' } });
    const decoded = decodeMessage(asDelivery(wire), 'ce_');
    expect(decoded.payload).toEqual([1, 'two']);
    expect(decoded.headers).toEqual({ tenant: 'a' });
    expect(decoded.id).toBe(wire.id);
    expect(decoded.attempt).toBe(1);
  });

  it('keeps bytes as bytes', () => {
    const wire = encodeMessage(new Uint8Array([1, 2, 3]), 's', 't', 'ce_');
    expect(wire.headers['content-type']).toBe('application/octet-stream');
    expect(decodeMessage(asDelivery(wire), 'ce_').payload).toEqual(Buffer.from([1, 2, 3]));
  });

  it('reads the attempt counter and dead-letter details', () => {
    const wire = encodeMessage(1, 's', 't', 'ce_');
    wire.headers[HEADERS.attempt] = '3';
    wire.headers[HEADERS.deadChannel] = 'orders';
    wire.headers[HEADERS.deadAttempts] = '3';
    wire.headers[HEADERS.deadError] = 'boom';
    const decoded = decodeMessage(asDelivery(wire), 'ce_');
    expect(decoded.attempt).toBe(3);
    expect(deadLetterInfo(decoded)).toMatchObject({ channel: 'orders', attempts: 3, error: 'boom' });
    expect(deadLetterInfo({ headers: {} })).toBeUndefined();
  });

  it('throws on a body that is not valid JSON (the runner dead-letters it)', () => {
    const wire = encodeMessage(1, 's', 't', 'ce_');
    wire.body = Buffer.from('{not json');
    expect(() => decodeMessage(asDelivery(wire), 'ce_')).toThrow();
  });
});

describe('time attribute', () => {
  it("uses the delivery's millisecond timestamp, and the header only when the backend has none", () => {
    const wire = encodeMessage(1, 's', 't', 'ce_');
    expect(decodeMessage(asDelivery(wire), 'ce_').timestamp.getTime()).toBe(wire.timestamp);
    wire.headers['ce_time'] = '2026-11-25T10:00:00+01:00';
    wire.timestamp = 0;
    expect(decodeMessage(asDelivery(wire), 'ce_').timestamp.toISOString()).toBe('2026-11-25T09:00:00.000Z');
  });
});
