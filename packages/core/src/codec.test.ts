import { describe, expect, it } from 'vitest';
import { resolveCodec } from './codec.js';
import { CodecError } from './errors.js';

describe('codecs', () => {
  it('sends strings on a text channel as they are (no JSON quotes)', () => {
    const text = resolveCodec('text', 'notes');
    expect(text.encode('héllo').toString()).toBe('héllo');
    expect(text.contentType('x')).toBe('text/plain; charset=utf-8');
    expect(resolveCodec('json', 'j').encode('héllo').toString()).toBe('"héllo"');
  });

  it.each([
    ['json', 10n, /cannot be encoded as JSON/],
    ['json', () => 1, /has no JSON form/],
    ['json', Symbol('s'), /has no JSON form/],
    ['text', 5, /publish a string \(got a number\)/],
    ['bytes', 'x', /publish a Buffer or Uint8Array \(got a string\)/],
  ] as const)('refuses on a %s channel the payload %s with CodecError', (codec, payload, message) => {
    const run = () => resolveCodec(codec, 'c').encode(payload);
    expect(run).toThrow(CodecError);
    expect(run).toThrow(message);
  });

  it('refuses circular payloads and a throwing toJSON with CodecError', () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => resolveCodec('json', 'c').encode(circular)).toThrow(CodecError);
    expect(() => resolveCodec('json', 'c').encode({ toJSON: () => { throw new Error('nope'); } })).toThrow(CodecError);
  });

  it('wraps a custom codec that throws or returns something unusable', () => {
    const failing = resolveCodec({ contentType: 'application/x-t', encode: () => { throw new Error('bad'); }, decode: () => { throw new Error('worse'); } }, 'c');
    expect(() => failing.encode(1)).toThrow(/could not encode the payload: bad/);
    expect(() => failing.decode(Buffer.from('x'), undefined)).toThrow(CodecError);
    const odd = resolveCodec({ contentType: 'application/x-t', encode: () => 42 as unknown as string, decode: (b: Buffer) => b }, 'c');
    expect(() => odd.encode(1)).toThrow(/returned a number/);
  });

  it('accepts Uint8Array views and ArrayBuffers on a bytes channel without copying views', () => {
    const bytes = resolveCodec('bytes', 'b');
    const backing = new Uint8Array([0, 1, 2, 3]);
    const view = bytes.encode(backing.subarray(1, 3));
    expect([...view]).toEqual([1, 2]);
    expect(view.buffer).toBe(backing.buffer);
    expect([...bytes.encode(new Uint8Array([7]).buffer)]).toEqual([7]);
  });
});
