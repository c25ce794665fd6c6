import { describe, expect, it } from 'vitest';
import { resolveCodec } from './codec.js';
import { decodeMessage, encodeMessage, HEADERS } from './envelope.js';
import { CodecError, ConfigError } from './errors.js';
import type { Delivery, WireMessage } from './spi.js';

const asDelivery = (wire: WireMessage, extra: Partial<Delivery> = {}): Delivery => ({ ...wire, redelivered: false, ack: () => {}, ...extra });
const foreign = (headers: Record<string, string>, body: string | Buffer, extra: Partial<Delivery> = {}): Delivery =>
  asDelivery({ body: Buffer.isBuffer(body) ? body : Buffer.from(body), headers, id: 'transport-id', timestamp: 1_000 }, extra);
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('envelope', () => {
  it('names CloudEvents attributes with the binding prefix', () => {
    const wire = encodeMessage({ a: 1 }, 'svc', 'orders', 'ce_', { id: 'x', traceparent: TRACEPARENT });
    expect(wire.headers).toMatchObject({ ce_specversion: '1.0', ce_id: 'x', ce_source: 'svc', ce_type: 'orders', ce_traceparent: TRACEPARENT, 'content-type': 'application/json' });
    for (const prefix of ['cloudEvents:', 'cloudEvents_']) {
      const amqp = encodeMessage('x', 's', 't', prefix);
      expect(Object.keys(amqp.headers).filter((k) => k.startsWith(prefix))).toHaveLength(5);
    }
  });

  it('round-trips payload, attributes and application headers', () => {
    const wire = encodeMessage([1, 'two'], 's', 't', 'ce_', { headers: { tenant: 'a' }, subject: 'order-7' });
    const decoded = decodeMessage(asDelivery(wire), 'ce_');
    expect(decoded.payload).toEqual([1, 'two']);
    expect(decoded.headers).toEqual({ tenant: 'a' });
    expect(decoded.id).toBe(wire.id);
    expect(decoded.subject).toBe('order-7');
    expect(decoded.contentType).toBe('application/json');
    expect(decoded.attempt).toBe(1);
  });

  it.each(['sb-attempt', 'sb-dead-channel', 'sb-reply-error', 'x-switchboard-expires-at', 'ce_id', 'cloudEvents:id', 'cloudEvents_time', 'content-type', 'Content-Type'])(
    'refuses the reserved header %s on publish',
    (name) => {
      expect(() => encodeMessage(1, 's', 't', 'ce_', { headers: { [name]: '1' } }, resolveCodec('json', 'orders'))).toThrow(ConfigError);
      expect(() => encodeMessage(1, 's', 't', 'ce_', { headers: { [name]: '1' } })).toThrow(/reserved/);
    },
  );

  it('keeps bytes as bytes on a json channel', () => {
    const wire = encodeMessage(new Uint8Array([1, 2, 3]), 's', 't', 'ce_');
    expect(wire.headers['content-type']).toBe('application/octet-stream');
    expect(decodeMessage(asDelivery(wire), 'ce_').payload).toEqual(Buffer.from([1, 2, 3]));
  });

  it('trusts the attempt counter only on deliveries the backend retried itself', () => {
    const wire = encodeMessage(1, 's', 't', 'ce_');
    wire.headers[HEADERS.attempt] = '3';
    expect(decodeMessage(asDelivery(wire, { retryLater: async () => {} }), 'ce_').attempt).toBe(3);
    expect(decodeMessage(asDelivery(wire), 'ce_').attempt).toBe(1);
  });

  it('hides control headers and reads dead-letter details only on dead-letter channels', () => {
    const headers = { 'sb-dead-channel': 'orders', 'sb-dead-attempts': '3', 'sb-dead-error': 'boom', 'sb-dead-id': 'o-1', 'sb-anything': 'x', tenant: 't' };
    const plain = decodeMessage(foreign(headers, '1'), 'ce_');
    expect(plain.headers).toEqual({ tenant: 't' });
    expect(plain.deadLetter).toBeUndefined();
    const dead = decodeMessage(foreign(headers, '1'), 'ce_', { deadLetterChannel: 'orders.dead' });
    expect(dead.deadLetter).toMatchObject({ channel: 'orders', attempts: 3, error: 'boom', id: 'o-1', body: Buffer.from('1') });
    const direct = decodeMessage(foreign({}, '1'), 'ce_', { deadLetterChannel: 'orders.dead' });
    expect(direct.deadLetter).toMatchObject({ channel: 'orders', attempts: 0, error: '', id: 'transport-id' });
  });

  it('throws CodecError on a body that is not valid JSON (the runner dead-letters it)', () => {
    expect(() => decodeMessage(foreign({}, '{not json'), 'ce_')).toThrow(CodecError);
    expect(() => decodeMessage(foreign({ 'content-type': 'application/json' }, '{not json'), 'ce_')).toThrow(/not valid JSON/);
  });

  it("uses the event's own time over the transport's, and the transport's without one", () => {
    const wire = encodeMessage(1, 's', 't', 'ce_');
    expect(decodeMessage(asDelivery(wire), 'ce_').timestamp.getTime()).toBe(wire.timestamp);
    wire.headers['ce_time'] = '2026-11-25T10:00:00+01:00';
    expect(decodeMessage(asDelivery(wire), 'ce_').timestamp.toISOString()).toBe('2026-11-25T09:00:00.000Z');
    wire.headers['ce_time'] = '2026-11-25T10:00:00.123Z';
    expect(decodeMessage(asDelivery(wire), 'ce_').timestamp.toISOString()).toBe('2026-11-25T10:00:00.123Z');
    wire.headers['ce_time'] = 'yesterday-ish';
    expect(decodeMessage(asDelivery(wire), 'ce_').timestamp.getTime()).toBe(wire.timestamp);
  });

  it('writes the key as the partitionkey attribute and reads it where the transport has no key', () => {
    const wire = encodeMessage(1, 's', 't', 'cloudEvents_', { key: 'cust-7' });
    expect(wire.headers['cloudEvents_partitionkey']).toBe('cust-7');
    const { key: _key, ...withoutKey } = wire;
    expect(decodeMessage(asDelivery(withoutKey), 'cloudEvents_').key).toBe('cust-7');
  });
});

describe('trace context', () => {
  it('writes both the plain W3C headers and the CloudEvents attributes', () => {
    const wire = encodeMessage(1, 's', 't', 'ce_', { traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' });
    expect(wire.headers).toMatchObject({ traceparent: TRACEPARENT, ce_traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE', ce_tracestate: 'congo=t61rcWkgMzE' });
    expect(decodeMessage(asDelivery(wire), 'ce_')).toMatchObject({ traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE', headers: {} });
  });

  it('takes what an OpenTelemetry propagator injected into headers', () => {
    const wire = encodeMessage(1, 's', 't', 'ce_', { headers: { traceparent: TRACEPARENT, tenant: 'a' } });
    expect(wire.headers['ce_traceparent']).toBe(TRACEPARENT);
    expect(decodeMessage(asDelivery(wire), 'ce_').headers).toEqual({ tenant: 'a' });
  });

  it.each(['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331', 'xx', '00-00000000000000000000000000000000-b7ad6b7169203331-01', '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', `${TRACEPARENT}-extra`])(
    'refuses the malformed traceparent %s on publish with ConfigError',
    (traceparent) => {
      expect(() => encodeMessage(1, 's', 't', 'ce_', { traceparent })).toThrow(ConfigError);
    },
  );

  it('refuses a malformed tracestate, and one without a traceparent', () => {
    expect(() => encodeMessage(1, 's', 't', 'ce_', { traceparent: TRACEPARENT, tracestate: 'no equals sign' })).toThrow(ConfigError);
    expect(() => encodeMessage(1, 's', 't', 'ce_', { tracestate: 'a=b' })).toThrow(ConfigError);
  });

  it('reads a plain traceparent, prefers it over the attribute, and drops invalid ones', () => {
    expect(decodeMessage(foreign({ traceparent: TRACEPARENT }, '1'), 'ce_').traceparent).toBe(TRACEPARENT);
    const other = '00-11111111111111111111111111111111-2222222222222222-00';
    expect(decodeMessage(foreign({ traceparent: TRACEPARENT, ce_traceparent: other }, '1'), 'ce_').traceparent).toBe(TRACEPARENT);
    expect(decodeMessage(foreign({ traceparent: 'garbage', ce_traceparent: other }, '1'), 'ce_').traceparent).toBe(other);
    const invalid = decodeMessage(foreign({ traceparent: 'garbage', tracestate: 'a=b' }, '1'), 'ce_');
    expect(invalid.traceparent).toBeUndefined();
    expect(invalid.tracestate).toBeUndefined();
    expect(invalid.headers).toEqual({});
  });
});

describe('content types', () => {
  const json = resolveCodec('json', 'ch');
  const decode = (contentType: string | undefined, body: string | Buffer, codec = json) =>
    decodeMessage(foreign(contentType === undefined ? {} : { 'content-type': contentType }, body), 'ce_', { codec }).payload;

  it('reads JSON case-insensitively, with parameters and with any +json suffix', () => {
    expect(decode('Application/JSON; charset=UTF-8', '{"a":1}')).toEqual({ a: 1 });
    expect(decode('application/vnd.acme.order+json', '{"a":2}')).toEqual({ a: 2 });
    expect(decode(undefined, '{"a":3}')).toEqual({ a: 3 });
  });

  it('reads text/* as a string in its charset, everything else as bytes', () => {
    expect(decode('text/csv', 'a,b')).toBe('a,b');
    expect(decode('TEXT/plain; charset=ISO-8859-1', Buffer.from([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
    expect(decode('application/avro', Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
  });

  it('tells a tombstone from an empty value', () => {
    const empty = decodeMessage(foreign({}, ''), 'ce_', { codec: json });
    expect(empty.payload).toBeUndefined();
    expect(empty.tombstone).toBeUndefined();
    for (const [codec, payload] of [['json', null], ['text', ''], ['bytes', Buffer.alloc(0)]] as const) {
      const tomb = decodeMessage(foreign({}, '', { tombstone: true }), 'ce_', { codec: resolveCodec(codec, 'ch') });
      expect(tomb.tombstone).toBe(true);
      expect(tomb.payload).toEqual(payload);
    }
  });

  it('gives a text channel strings, and refuses binary content types there', () => {
    const text = resolveCodec('text', 'notes');
    expect(decode(undefined, 'hello', text)).toBe('hello');
    expect(decode('application/json', '{"a":1}', text)).toBe('{"a":1}');
    expect(() => decode('image/png', 'x', text)).toThrow(CodecError);
  });

  it('gives a bytes channel the body whatever its content type says', () => {
    const bytes = resolveCodec('bytes', 'raw');
    expect(decode('application/json', '{"a":1}', bytes)).toEqual(Buffer.from('{"a":1}'));
    expect(decode(undefined, 'x', bytes)).toEqual(Buffer.from('x'));
  });

  it('lets a custom codec claim its content types, and refuses others', () => {
    const codec = resolveCodec(
      { contentType: 'application/x-upper', accepts: ['application/vnd.upper'], encode: (p: string) => p.toUpperCase(), decode: (b: Buffer) => b.toString().toLowerCase() },
      'shout',
    );
    const wire = encodeMessage('hi', 's', 't', 'ce_', undefined, codec);
    expect(wire.body.toString()).toBe('HI');
    expect(wire.headers['content-type']).toBe('application/x-upper');
    expect(decode('Application/X-Upper; v=1', 'HI', codec)).toBe('hi');
    expect(decode('application/vnd.upper', 'HO', codec)).toBe('ho');
    expect(decode(undefined, 'HEY', codec)).toBe('hey');
    expect(() => decode('application/json', '{}', codec)).toThrow(CodecError);
  });
});

describe('CloudEvents input', () => {
  it('reads both AMQP separators, extension attributes, subject and dataschema', () => {
    for (const prefix of ['cloudEvents_', 'cloudEvents:']) {
      const message = decodeMessage(
        foreign(
          { [`${prefix}specversion`]: '1.0', [`${prefix}id`]: 'e-1', [`${prefix}source`]: '/shop', [`${prefix}type`]: 'order.placed', [`${prefix}subject`]: 'o-9', [`${prefix}dataschema`]: 'urn:s', [`${prefix}tenant`]: 'acme', 'content-type': 'application/json' },
          '{"n":1}',
        ),
        'cloudEvents_',
      );
      expect(message).toMatchObject({ id: 'e-1', source: '/shop', type: 'order.placed', subject: 'o-9', dataschema: 'urn:s', extensions: { tenant: 'acme' }, payload: { n: 1 }, headers: {} });
    }
  });

  it('decodes structured mode into the same message', () => {
    const event = { specversion: '1.0', id: 'e-2', source: '/s', type: 't', time: '2026-01-02T03:04:05Z', subject: 'sub', partitionkey: 'k-1', traceparent: TRACEPARENT, sequence: 7, datacontenttype: 'application/json', data: { ok: true } };
    const message = decodeMessage(foreign({ 'content-type': 'application/cloudevents+json; charset=UTF-8' }, JSON.stringify(event)), 'ce_');
    expect(message).toMatchObject({ id: 'e-2', source: '/s', type: 't', subject: 'sub', key: 'k-1', traceparent: TRACEPARENT, extensions: { sequence: '7' }, payload: { ok: true }, contentType: 'application/json' });
    expect(message.timestamp.toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });

  it('reads structured data_base64 and text data by their datacontenttype', () => {
    const base64 = { specversion: '1.0', id: 'b', source: 's', type: 't', datacontenttype: 'application/octet-stream', data_base64: Buffer.from([9, 8]).toString('base64') };
    expect(decodeMessage(foreign({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(base64)), 'ce_').payload).toEqual(Buffer.from([9, 8]));
    const text = { specversion: '1.0', id: 'c', source: 's', type: 't', datacontenttype: 'text/plain', data: 'hello' };
    expect(decodeMessage(foreign({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(text)), 'ce_').payload).toBe('hello');
  });

  it('refuses a structured-mode body that is no CloudEvent', () => {
    expect(() => decodeMessage(foreign({ 'content-type': 'application/cloudevents+json' }, '{"id":1}'), 'ce_')).toThrow(CodecError);
    expect(() => decodeMessage(foreign({ 'content-type': 'application/cloudevents+json' }, 'nope'), 'ce_')).toThrow(CodecError);
  });
});
