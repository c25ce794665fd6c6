import {
  CAPABILITY_NAMES,
  satisfies,
  type CapabilityName,
  type CapabilityReport,
  type CapabilitySupport,
  type Requirement,
  type Requirements,
} from './capabilities.js';
import { CapabilityError, type CapabilityProblem } from './errors.js';
import type { CapabilityCatalog } from './spi.js';

/** What the plan decided for one declared capability on one channel. */
export interface PlannedCapability extends CapabilitySupport {
  /** What the channel declared. */
  required: Requirement;
  /** `'preferred'` requirement the backend cannot meet: the channel runs without it. */
  degraded: boolean;
}

/** What `connect()` decided for one channel. */
export interface ChannelPlan {
  /** The channel's name. */
  channel: string;
  /** Each declared capability and what it became. */
  capabilities: Partial<Record<CapabilityName, PlannedCapability>>;
}

/** The backend's report for one channel, with its per-channel adjustments (conflicts) applied. */
export function channelReport(backend: CapabilityCatalog, channel: string, requires: Requirements, options?: Record<string, unknown>): CapabilityReport {
  const overrides = backend.channelCapabilities?.(channel, requires, options);
  return overrides === undefined ? backend.capabilities : { ...backend.capabilities, ...overrides };
}

/**
 * The other catalogs that would accept this capability on this channel, with their own
 * per-channel rules applied; never the backend that just failed it. A catalog that refuses the
 * channel's options (ConfigError) does not count.
 */
function satisfiedBy(
  alternatives: readonly CapabilityCatalog[],
  failed: string,
  target: { channel: string; requires: Requirements; options: Record<string, unknown> | undefined; capability: CapabilityName; required: Requirement },
): string[] {
  return alternatives
    .filter((catalog) => {
      if (catalog.name === failed) return false;
      try {
        const support = channelReport(catalog, target.channel, target.requires, target.options)[target.capability].support;
        return satisfies(target.required, support) && support !== 'unsupported';
      } catch {
        return false;
      }
    })
    .map((catalog) => catalog.name);
}

/** Plans one channel; returns the plan and every unmet requirement. */
export function planChannel(
  backend: CapabilityCatalog,
  channel: string,
  requires: Requirements,
  options?: Record<string, unknown>,
  alternatives: readonly CapabilityCatalog[] = [],
): {
  /** What each declared capability becomes. */
  plan: ChannelPlan;
  /** Every unmet requirement (empty when the channel is fine). */
  problems: CapabilityProblem[];
} {
  const report = channelReport(backend, channel, requires, options);
  const plan: ChannelPlan = { channel, capabilities: {} };
  const problems: CapabilityProblem[] = [];
  for (const name of CAPABILITY_NAMES) {
    const required = requires[name];
    if (required === undefined || required === false) continue;
    const offered = report[name];
    if (!satisfies(required, offered.support)) {
      problems.push({
        channel,
        capability: name,
        required,
        support: offered.support,
        reason: offered.detail,
        satisfiedBy: satisfiedBy(alternatives, backend.name, { channel, requires, options, capability: name, required }),
      });
    }
    plan.capabilities[name] = { ...offered, required, degraded: required === 'preferred' && offered.support === 'unsupported' };
  }
  return { plan, problems };
}

/** Formats every problem into one error a person can act on. */
export function capabilityError(backendName: string, problems: CapabilityProblem[]): CapabilityError {
  const channels = new Set(problems.map((p) => p.channel));
  const lines = problems.map((p) => {
    const wanted = p.required === 'native' ? "requires 'native'" : 'requires it';
    const alternatives = p.satisfiedBy.length > 0 ? ` Satisfied by: ${p.satisfiedBy.join(', ')}.` : '';
    return `  - channel "${p.channel}" ${wanted} for ${p.capability}, but ${backendName} reports ${p.support}: ${p.reason}${alternatives}`;
  });
  const message =
    `Backend "${backendName}" cannot provide what ${channels.size} channel${channels.size > 1 ? 's' : ''} declared ` +
    `(${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${lines.join('\n')}\n` +
    `Use a backend that satisfies it, or declare the capability as 'preferred' to run without it (recorded in bus.report()).`;
  return new CapabilityError(message, problems);
}

/**
 * Plans every channel and throws one CapabilityError listing every problem on every channel;
 * `alternatives` (the catalogs of the other installed backends) fill in `satisfiedBy`.
 */
export function checkChannels(
  backend: CapabilityCatalog,
  channels: Record<string, Requirements>,
  options: Record<string, Record<string, unknown>> = {},
  alternatives: readonly CapabilityCatalog[] = [],
): Map<string, ChannelPlan> {
  const plans = new Map<string, ChannelPlan>();
  const problems: CapabilityProblem[] = [];
  for (const [channel, requires] of Object.entries(channels)) {
    const result = planChannel(backend, channel, requires, options[channel], alternatives);
    plans.set(channel, result.plan);
    problems.push(...result.problems);
  }
  if (problems.length > 0) throw capabilityError(backend.name, problems);
  return plans;
}
