import { SwitchboardError } from '@switchboard/core';

/**
 * A kafkajs compression codec: `compress` gets kafkajs' encoder (its `buffer` holds the batch's
 * records), `decompress` the compressed records of a fetched batch.
 */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * Loads a codec library on first use and keeps it: a bus that never meets an lz4 batch never loads
 * the native lz4 binding, and nothing is loaded at import time.
 */
function lazy<T>(load: () => Promise<T>, codec: string): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw new SwitchboardError(
        `Kafka: the ${codec} codec library could not be loaded (${(error as Error).message}); reinstall @switchboard/kafka with its dependencies for this platform`,
        { cause: error },
      );
    });
    return loading;
  };
}

/** CommonJS modules reach ESM as their `default` export; both shapes are accepted. */
function moduleExports<T>(module: T | { default: T }): T {
  return (module as { default?: T }).default ?? (module as T);
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The Java client (snappy-java's SnappyOutputStream) writes snappy in "xerial" framing: a 16-byte
 * header, then blocks of `int32 length + raw snappy`. librdkafka and kafkajs-snappy write raw
 * snappy. Both are read; writing uses the framing, which every Kafka client reads.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** snappy-java's default block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array): Uint8Array;
}

export function createSnappyCodec(): KafkaCodec {
  const load = lazy(async () => moduleExports((await import('snappyjs')) as SnappyJs | { default: SnappyJs }), 'snappy');
  return {
    async compress({ buffer }) {
      const snappy = await load();
      const header = Buffer.alloc(XERIAL_HEADER_BYTES);
      XERIAL_MAGIC.copy(header);
      header.writeInt32BE(1, 8);
      header.writeInt32BE(1, 12);
      const parts: Buffer[] = [header];
      for (let offset = 0; offset < buffer.length; offset += XERIAL_BLOCK_BYTES) {
        const block = asBuffer(snappy.compress(buffer.subarray(offset, offset + XERIAL_BLOCK_BYTES)));
        const length = Buffer.alloc(4);
        length.writeInt32BE(block.length);
        parts.push(length, block);
      }
      return Buffer.concat(parts);
    },
    async decompress(buffer) {
      const snappy = await load();
      if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
        return asBuffer(snappy.uncompress(buffer));
      }
      const parts: Buffer[] = [];
      let offset = XERIAL_HEADER_BYTES;
      while (offset + 4 <= buffer.length) {
        const length = buffer.readInt32BE(offset);
        offset += 4;
        if (length < 0 || offset + length > buffer.length) throw new SwitchboardError('Kafka: a snappy batch has a truncated xerial block');
        parts.push(asBuffer(snappy.uncompress(buffer.subarray(offset, offset + length))));
        offset += length;
      }
      return Buffer.concat(parts);
    },
  };
}

interface Lz4Napi {
  compressFrame(data: Uint8Array): Promise<Buffer>;
  decompressFrame(data: Uint8Array): Promise<Buffer>;
}

/** Kafka's lz4 is the standard LZ4 frame format (independent blocks), which lz4-napi reads and writes. */
export function createLz4Codec(): KafkaCodec {
  const load = lazy(async () => moduleExports((await import('lz4-napi')) as Lz4Napi | { default: Lz4Napi }), 'lz4');
  return {
    async compress({ buffer }) {
      return (await load()).compressFrame(buffer);
    },
    async decompress(buffer) {
      return (await load()).decompressFrame(buffer);
    },
  };
}

/** zstd level for produced batches: the library default, also the Java client's. */
const ZSTD_LEVEL = 3;

interface ZstdWasm {
  init(): Promise<void>;
  compress(data: Uint8Array, level?: number): Uint8Array;
}

interface Fzstd {
  decompress(data: Uint8Array): Uint8Array;
}

/**
 * zstd: the WebAssembly build of the reference library compresses; fzstd (pure JS) decompresses,
 * because it streams frames that carry no content size, as the Java client's zstd-jni writes them.
 */
export function createZstdCodec(): KafkaCodec {
  const encoder = lazy(async () => {
    const zstd = moduleExports((await import('@bokuweb/zstd-wasm')) as ZstdWasm | { default: ZstdWasm });
    await zstd.init();
    return zstd;
  }, 'zstd');
  const decoder = lazy(async () => moduleExports((await import('fzstd')) as Fzstd | { default: Fzstd }), 'zstd');
  return {
    async compress({ buffer }) {
      return asBuffer((await encoder()).compress(buffer, ZSTD_LEVEL));
    },
    async decompress(buffer) {
      return asBuffer((await decoder()).decompress(buffer));
    },
  };
}
