/**
 * `@switchboard/rabbitmq/catalog`: what this backend can do, capability by capability and per
 * channel, without loading amqplib. The backend reports exactly this catalog; the memory
 * backend's `rabbitmq` profile and the hints of a CapabilityError plan with it too.
 */
import type { CapabilityCatalog } from '@switchboard/core';
import { rabbitCapabilities, rabbitChannelCapabilities } from './rabbit-capabilities.js';
import type { QueueTypeOption } from './queue-type.js';

/** The catalog for the bus option `queueType` (the default of every channel). */
export function rabbitCatalog(busQueueType: QueueTypeOption = 'auto'): CapabilityCatalog {
  const capabilities = rabbitCapabilities(busQueueType);
  return Object.freeze({
    name: 'rabbitmq',
    capabilities,
    channelCapabilities: (channel: string, requires: Parameters<typeof rabbitChannelCapabilities>[2], options?: Record<string, unknown>) =>
      rabbitChannelCapabilities(capabilities, channel, requires, options ?? {}, busQueueType),
  });
}

/** The catalog of a bus with default options. */
export const capabilityCatalog: CapabilityCatalog = rabbitCatalog();
