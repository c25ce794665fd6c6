/** The ten semantics an application can declare on a channel. */
export const CAPABILITY_NAMES = [
  'fanout',
  'workQueue',
  'orderedByKey',
  'priority',
  'requestReply',
  'replay',
  'delayedDelivery',
  'deadLetter',
  'messageTtl',
  'durable',
] as const;

/** One of {@link CAPABILITY_NAMES}. */
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** How a backend provides a capability. */
export type Support = 'native' | 'emulated' | 'unsupported';

/** How one backend provides one capability. */
export interface CapabilitySupport {
  /** Native, emulated, or not at all. */
  support: Support;
  /** One sentence a person can act on: how it is done, or why it is not. */
  detail: string;
  /** Numbers that bound the capability, e.g. `{ maxPriority: 255 }` or `{ parallelism: 'partitions' }`. */
  limits?: Record<string, number | string | boolean>;
}

/** A backend's full report: every capability, always. */
export type CapabilityReport = Record<CapabilityName, CapabilitySupport>;

/**
 * What a channel needs: `true` = native or emulated, `'native'` = native only,
 * `'preferred'` = use when available, otherwise proceed and record the degradation.
 */
export type Requirement = true | 'native' | 'preferred';
/** A channel's requirements by capability; `false` or absent = not needed. */
export type Requirements = Partial<Record<CapabilityName, Requirement | false>>;

/** True when `support` meets `requirement` (a `'preferred'` requirement is always met, possibly degraded). */
export function satisfies(requirement: Requirement, support: Support): boolean {
  if (requirement === 'preferred') return true;
  if (requirement === 'native') return support === 'native';
  return support !== 'unsupported';
}

/** Enabled = declared with any requirement other than `false`. */
export function isDeclared(requires: Requirements, name: CapabilityName): boolean {
  const r = requires[name];
  return r !== undefined && r !== false;
}
