import type { Delivery } from '@switchboard/core';
import { decodePosition } from './position.js';

/**
 * Kafka's OpenTelemetry attributes of a received record, from its position: asked for by core only
 * while tracing, so the hot path never decodes positions.
 */
export function kafkaMessageAttributes(delivery: Delivery): Record<string, string | number> | undefined {
  if (delivery.position === undefined) return undefined;
  try {
    const { partition, offset } = decodePosition(delivery.position);
    return { 'messaging.destination.partition.id': String(partition), 'messaging.kafka.offset': Number(offset) };
  } catch {
    return undefined;
  }
}
