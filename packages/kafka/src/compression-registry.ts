import type { CompressionTypes as CompressionTypesEnum } from 'kafkajs';
import { createLz4Codec, createSnappyCodec, createZstdCodec, type KafkaCodec } from './compression-codecs.js';
import { CompressionCodecs, CompressionTypes } from './kafkajs-runtime.js';

/** The compression a producer can choose, named as in Kafka's `compression.type`. */
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
/** A Kafka record-batch codec: one of {@link COMPRESSION_NAMES}. */
export type CompressionName = (typeof COMPRESSION_NAMES)[number];

const TYPES: Record<CompressionName, CompressionTypesEnum> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** kafkajs' compression type for a codec name. */
export function compressionType(name: CompressionName): CompressionTypesEnum {
  return TYPES[name];
}

type Registry = Record<number, () => unknown>;

/** True when kafkajs has only its built-in "not implemented" placeholder for this type. */
function isPlaceholder(registry: Registry, type: number): boolean {
  const factory = registry[type];
  if (factory === undefined) return true;
  try {
    factory();
    return false;
  } catch (error) {
    return (error as { name?: string }).name === 'KafkaJSNotImplemented';
  }
}

/**
 * Fills kafkajs' codec registry with snappy, lz4 and zstd (gzip is built in). That registry is
 * **process-wide** in kafkajs (one object per copy of the kafkajs package): there is no per-client
 * codec option. So this runs when a Kafka backend is created, never at import; it only fills slots
 * that still hold kafkajs' placeholder, so a codec the application registered itself is kept; and
 * running it again changes nothing. Every kafkajs client in the process that shares this copy of
 * kafkajs can read these codecs afterwards.
 * @returns the codec names that were installed by this call.
 */
export function installCompressionCodecs(registry: Registry = CompressionCodecs as unknown as Registry): CompressionName[] {
  const codecs: [CompressionName, () => KafkaCodec][] = [
    ['snappy', createSnappyCodec],
    ['lz4', createLz4Codec],
    ['zstd', createZstdCodec],
  ];
  const installed: CompressionName[] = [];
  for (const [name, create] of codecs) {
    const type = TYPES[name];
    if (!isPlaceholder(registry, type)) continue;
    const codec = create();
    registry[type] = () => codec;
    installed.push(name);
  }
  return installed;
}
