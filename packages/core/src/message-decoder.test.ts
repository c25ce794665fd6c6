import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bindingFor } from './cloudevents.js';
import { encodeMessage } from './envelope.js';
import { SchemaError } from './errors.js';
import { createDeadLetterDecoder, createMessageDecoder, payloadRules } from './message-decoder.js';
import type { Delivery } from './spi.js';
import type { DeadLetter } from './types.js';

const binding = bindingFor('ce_');
const Order = z.object({ id: z.string() });
const delivery = (body: string, headers: Record<string, string> = {}): Delivery => ({ body: Buffer.from(body), headers, id: 'd-1', timestamp: 5, redelivered: false, ack: () => {} });

describe('message decoders', () => {
  it('validates after decoding on ordinary channels', () => {
    const decode = createMessageDecoder('orders', binding, payloadRules('orders', { schema: Order }));
    expect(decode(delivery('{"id":"o-1"}')).payload).toEqual({ id: 'o-1' });
    expect(() => decode(delivery('{"id":1}'))).toThrow(SchemaError);
  });

  it("reads a dead letter like the original channel when it can, marked valid", () => {
    const decode = createDeadLetterDecoder('orders.dead', binding, payloadRules('orders.dead', {}), payloadRules('orders', { schema: Order }));
    const letter = decode(delivery('{"id":"o-1"}', { 'sb-dead-channel': 'orders', 'sb-dead-error': 'declined' })) as DeadLetter<{ id: string }>;
    expect(letter.valid).toBe(true);
    expect(letter.payload).toEqual({ id: 'o-1' });
    expect(letter.deadLetter).toMatchObject({ channel: 'orders', error: 'declined' });
  });

  it('never fails on a dead letter: by content type when the original rule fails, raw bytes last', () => {
    const decode = createDeadLetterDecoder('orders.dead', binding, payloadRules('orders.dead', {}), payloadRules('orders', { schema: Order, codec: 'text' }));
    const schemaFailed = decode(delivery('{"id":2}', { 'content-type': 'application/json' })) as DeadLetter;
    expect(schemaFailed.valid).toBe(false);
    expect(schemaFailed.payload).toEqual({ id: 2 });
    const garbage = decode(delivery('{not json')) as DeadLetter;
    expect(garbage.valid).toBe(false);
    expect(garbage.payload).toEqual(Buffer.from('{not json'));
    expect(garbage.deadLetter.body).toEqual(Buffer.from('{not json'));
    const structured = decode(delivery('nope', { 'content-type': 'application/cloudevents+json' })) as DeadLetter;
    expect(structured.payload).toEqual(Buffer.from('nope'));
    expect(structured.deadLetter.contentType).toBe('application/cloudevents+json');
  });

  it('keeps the original id of a dead letter', () => {
    const original = encodeMessage({ id: 'o' }, 's', 't', 'ce_', { id: 'evt-1' });
    const decode = createDeadLetterDecoder('x.dead', binding, payloadRules('x.dead', {}), undefined);
    const letter = decode({ ...original, headers: { ...original.headers, 'sb-dead-id': 'evt-1' }, redelivered: false, ack: () => {} });
    expect(letter.id).toBe('evt-1');
    expect(letter.deadLetter?.id).toBe('evt-1');
  });
});
