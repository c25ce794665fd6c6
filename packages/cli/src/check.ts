import { CAPABILITY_NAMES, planChannel, type CapabilityName, type ChannelSpec, type Requirement } from '@switchboard/core';
import type { InspectedBackend } from './backend-report.js';

/** What one declared capability gets on one backend. */
export type Outcome = 'native' | 'emulated' | 'degraded' | 'refused';

/** One declared capability of one channel, as a backend would serve it. */
export interface CapabilityOutcome {
  /** The capability. */
  capability: CapabilityName;
  /** What the channel declared. */
  required: Requirement;
  /** What it gets on the backend. */
  outcome: Outcome;
  /** The backend's support level behind the outcome. */
  support: 'native' | 'emulated' | 'unsupported';
  /** The backend's sentence on how it is done, or why not (the refusal reason). */
  detail: string;
  /** Numbers that bound it, from the backend's report. */
  limits?: Record<string, number | string | boolean>;
  /** Refused only: the shipped backends that would satisfy the requirement. */
  satisfiedBy?: string[];
}

/** Every channel checked against one backend. */
export interface CheckResult {
  /** The URL checked, credentials removed. */
  url: string;
  /** The backend's name. */
  backend: string;
  /** True when no channel is refused anything. */
  ok: boolean;
  /** Per channel, its declared capabilities in the canonical order. */
  channels: Record<string, CapabilityOutcome[]>;
}

/**
 * Plans every declared channel on `inspected` exactly as `connect()` would, per-channel conflicts
 * included, without connecting: native, emulated (with limits), degraded (`'preferred'` and
 * unsupported) or refused (with the reason and `satisfiedBy`).
 */
export function checkChannels(inspected: InspectedBackend, channels: Record<string, ChannelSpec>): CheckResult {
  const result: CheckResult = { url: inspected.url, backend: inspected.name, ok: true, channels: {} };
  for (const [channel, spec] of Object.entries(channels)) {
    const { plan, problems } = planChannel(inspected.backend, channel, spec.requires ?? {}, spec.options, inspected.alternatives);
    const outcomes: CapabilityOutcome[] = [];
    for (const capability of CAPABILITY_NAMES) {
      const planned = plan.capabilities[capability];
      if (planned === undefined) continue;
      const problem = problems.find((p) => p.capability === capability);
      const outcome: Outcome = problem !== undefined ? 'refused' : planned.degraded ? 'degraded' : planned.support === 'native' ? 'native' : 'emulated';
      outcomes.push({
        capability,
        required: planned.required,
        outcome,
        support: planned.support,
        detail: planned.detail,
        ...(planned.limits !== undefined && { limits: planned.limits }),
        ...(problem !== undefined && { satisfiedBy: problem.satisfiedBy }),
      });
    }
    if (problems.length > 0) result.ok = false;
    result.channels[channel] = outcomes;
  }
  return result;
}
