/**
 * `@switchboard/kafka/catalog`: what this backend can do, capability by capability and per
 * channel, without loading kafkajs. The backend reports exactly this catalog; the memory
 * backend's `kafka` profile and the hints of a CapabilityError plan with it too.
 */
import type { CapabilityCatalog, Requirements } from '@switchboard/core';
import { DEFAULT_REPORT_OPTIONS, kafkaCapabilities, kafkaChannelCapabilities, type KafkaReportOptions } from './kafka-capabilities.js';

/** The catalog for these bus options (partitions, idempotence, replication of created topics). */
export function kafkaCatalog(options: KafkaReportOptions = DEFAULT_REPORT_OPTIONS): CapabilityCatalog {
  const capabilities = kafkaCapabilities(options);
  return Object.freeze({
    name: 'kafka',
    capabilities,
    channelCapabilities: (channel: string, requires: Requirements, channelOptions?: Record<string, unknown>) =>
      kafkaChannelCapabilities(capabilities, channel, requires, channelOptions ?? {}),
  });
}

/** The catalog of a bus with default options. */
export const capabilityCatalog: CapabilityCatalog = kafkaCatalog();
