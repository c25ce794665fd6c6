import type { BackendFactory } from '@switchboard/core';
import { createKafkaBackend } from './kafka-backend.js';
import type { KafkaOptions } from './options.js';

/** What `connect({ url: 'kafka://…' })` loads: `@switchboard/kafka` serves the `kafka` scheme. */
export const backendFactory: BackendFactory = {
  name: 'kafka',
  schemes: ['kafka'],
  create: (context) => createKafkaBackend({ ...context, options: context.options as KafkaOptions }),
};

export { createKafkaBackend, KafkaBackend } from './kafka-backend.js';
export { KafkaOptionsSchema, DEFAULT_MAX_MESSAGE_BYTES } from './options.js';
export type { KafkaOptions, ResolvedKafkaOptions } from './options.js';
export { kafkaCapabilities } from './kafka-capabilities.js';
export type { KafkaReportOptions } from './kafka-capabilities.js';
export { capabilityCatalog, kafkaCatalog } from './catalog.js';
export { parseKafkaUrl } from './kafka-url.js';
export type { KafkaEndpoint } from './kafka-url.js';
export { KafkaChannelOptionsSchema } from './channel-mapping.js';
export type { KafkaChannelOptions } from './channel-mapping.js';
export { GroupProtocolError, KeyRequiredError } from './kafka-errors.js';
export { COMPRESSION_NAMES, installCompressionCodecs } from './compression-registry.js';
export type { CompressionName } from './compression-registry.js';
export { ASSIGNOR_NAMES } from './java-assignors.js';
export type { AssignorName } from './java-assignors.js';
