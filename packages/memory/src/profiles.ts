import type { CapabilityCatalog, CapabilityReport, CapabilitySupport, Requirements } from '@switchboard/core';
// The profiles are the real backends' own catalogs, compiled into this package at build time
// (tsup bundles these light entries, which load no broker client), so they cannot drift.
import { capabilityCatalog as kafkaCatalog } from '@switchboard/kafka/catalog';
import { capabilityCatalog as rabbitmqCatalog } from '@switchboard/rabbitmq/catalog';

/** Backends the memory broker can impersonate. */
export const MEMORY_PROFILES = ['rabbitmq', 'kafka'] as const;
/** A backend whose capabilities the memory backend can impersonate. */
export type MemoryProfile = (typeof MEMORY_PROFILES)[number];

const PROFILE_CATALOGS: Record<MemoryProfile, CapabilityCatalog> = { rabbitmq: rabbitmqCatalog, kafka: kafkaCatalog };

function disclaimDurable(entry: CapabilitySupport, profile: MemoryProfile): CapabilitySupport {
  if (entry.support === 'unsupported') return entry;
  return { ...entry, detail: `${entry.detail.replace(/\.$/, '')} (on ${profile}; this memory broker itself keeps nothing past the process).` };
}

/**
 * The catalog of `profile`: the real backend's catalog (default bus options), per-channel rules
 * included, with one change: the `durable` detail says that this test broker keeps nothing.
 */
export function profileCatalog(profile: MemoryProfile): CapabilityCatalog {
  const real = PROFILE_CATALOGS[profile];
  const capabilities: CapabilityReport = { ...real.capabilities, durable: disclaimDurable(real.capabilities.durable, profile) };
  return Object.freeze({
    name: 'memory',
    capabilities,
    channelCapabilities: (channel: string, requires: Requirements, options?: Record<string, unknown>) => {
      const overrides = real.channelCapabilities?.(channel, requires, options) ?? {};
      return overrides.durable === undefined ? overrides : { ...overrides, durable: disclaimDurable(overrides.durable, profile) };
    },
  });
}
