/**
 * `@switchboard/memory`: the embedded in-process broker behind `memory://`. Real semantics
 * (fanout, competing consumers, priority, delay, TTL, replay, request/reply), and profiles that
 * report and enforce what RabbitMQ or Kafka could do, so fast tests fail where production would.
 */
export { backendFactory, createMemoryBackend } from './backend-factory.js';
export { MemoryBackend } from './memory-backend.js';
export { MemoryOptionsSchema } from './memory-options.js';
export type { MemoryOptions } from './memory-options.js';
export { MEMORY_PROFILES } from './profiles.js';
export { capabilityCatalog } from './catalog.js';
export type { MemoryProfile } from './profiles.js';
export { ManualClock, createManualClock, systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { DEFAULT_RETENTION } from './broker-registry.js';
