import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLz4Codec, createSnappyCodec, createZstdCodec } from './compression-codecs.js';
import { compressionType, installCompressionCodecs } from './compression-registry.js';

const records = Buffer.concat(Array.from({ length: 120 }, (_, i) => Buffer.from(JSON.stringify({ id: `order-${i}`, note: 'x'.repeat(900), r: randomBytes(8).toString('hex') }))));

describe('compression codecs', () => {
  it.each([
    ['snappy', createSnappyCodec()],
    ['lz4', createLz4Codec()],
    ['zstd', createZstdCodec()],
  ])('%s round-trips a batch larger than one block, and compresses it', async (_name, codec) => {
    const compressed = await codec.compress({ buffer: records });
    expect(compressed.length).toBeLessThan(records.length / 2);
    expect((await codec.decompress(compressed)).equals(records)).toBe(true);
    const empty = await codec.compress({ buffer: Buffer.alloc(0) });
    expect((await codec.decompress(empty)).length).toBe(0);
  });

  it('snappy writes xerial framing (as the Java client does) and reads both framed and raw snappy', async () => {
    const codec = createSnappyCodec();
    const framed = await codec.compress({ buffer: records });
    expect(framed.subarray(0, 8)).toEqual(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
    const snappyjs = (await import('snappyjs')) as unknown as { default: { compress(b: Buffer): Buffer } };
    const raw = snappyjs.default.compress(records);
    expect((await codec.decompress(raw)).equals(records)).toBe(true);
  });

  it('zstd reads frames without a content size (streamed, as zstd-jni writes them)', async () => {
    // A zstd frame with the single-segment flag off and no content size: one raw block holding "hello".
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00, 0x29, 0x00, 0x00, ...Buffer.from('hello')]);
    expect((await createZstdCodec().decompress(frame)).toString()).toBe('hello');
  });
});

describe('installCompressionCodecs', () => {
  const placeholder = (): never => {
    throw Object.assign(new Error('not implemented'), { name: 'KafkaJSNotImplemented' });
  };

  it('fills only kafkajs placeholders, keeps codecs registered before, and is idempotent', () => {
    const own = { compress: async () => Buffer.alloc(0), decompress: async () => Buffer.alloc(0) };
    const registry: Record<number, () => unknown> = {
      [compressionType('gzip')]: () => ({}),
      [compressionType('snappy')]: placeholder,
      [compressionType('lz4')]: () => own,
      [compressionType('zstd')]: placeholder,
    };
    expect(installCompressionCodecs(registry)).toEqual(['snappy', 'zstd']);
    expect(registry[compressionType('lz4')]?.()).toBe(own);
    const snappy = registry[compressionType('snappy')]?.();
    expect(installCompressionCodecs(registry)).toEqual([]);
    expect(registry[compressionType('snappy')]?.()).toBe(snappy);
  });
});
