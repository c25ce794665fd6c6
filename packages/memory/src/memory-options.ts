import { z } from 'zod';
import { ConfigError, parseConfig, redactUrl } from '@switchboard/core';
import type { Clock } from './clock.js';
import { MEMORY_PROFILES, type MemoryProfile } from './profiles.js';

const clockLike = z.custom<Clock>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['now', 'setTimeout', 'clearTimeout'].every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
  'expected a clock object with now(), setTimeout() and clearTimeout()',
);

/**
 * `connect({ url: 'memory://', options })` for the memory backend. Unknown keys are refused.
 * The same settings (except `clock`) may come as URL query parameters: `memory://?profile=kafka`.
 */
export const MemoryOptionsSchema = z.strictObject({
  /** Report and enforce exactly this backend's capabilities, so tests fail where production would. */
  profile: z.enum(MEMORY_PROFILES, { error: (issue) => `unknown profile "${String(issue.input)}"; valid profiles: ${MEMORY_PROFILES.join(', ')}` }).optional(),
  /** Messages each channel retains for replay, oldest dropped first. Default 100 000. */
  retention: z.number().int().min(0).optional(),
  /** Time source for delays, TTLs, request timeouts and replay timestamps (tests inject a manual clock). */
  clock: clockLike.optional(),
  /** Largest message accepted. Default none; with a profile, that broker's default limit. */
  maxMessageBytes: z.number().int().min(1).optional(),
});

/** Options of the memory backend, as `connect({ options })` takes them. */
export type MemoryOptions = z.input<typeof MemoryOptionsSchema>;

/** Everything the backend needs, resolved from URL and options. */
export interface MemoryConfig {
  /** Broker name from `memory://<name>`; '' for plain `memory://`. */
  brokerName: string;
  profile: MemoryProfile | undefined;
  retention: number | undefined;
  clock: Clock | undefined;
  maxMessageBytes: number | undefined;
}

const NAME_PATTERN = /^[A-Za-z0-9._-]{0,200}$/;
const URL_PARAMS = ['profile', 'retention', 'maxMessageBytes'] as const;

/** Broker defaults that the impersonated backends ship with (Kafka message.max.bytes, RabbitMQ 4 max_message_size). */
const PROFILE_MAX_MESSAGE_BYTES: Record<MemoryProfile, number> = { kafka: 1_048_576, rabbitmq: 16 * 1_048_576 };

function fromUrl(url: string): { name: string; params: Record<string, unknown> } {
  const match = /^memory:(?:\/\/([^/?#]*))?\/?(?:\?([^#]*))?$/i.exec(url);
  const name = match?.[1] ?? '';
  if (match === null || !NAME_PATTERN.test(name)) {
    throw new ConfigError(
      `Invalid memory url "${redactUrl(url)}": use memory://, memory://<name> (buses using the same name share one broker) ` +
        'and optional ?profile=kafka|rabbitmq&retention=<n>&maxMessageBytes=<n>',
    );
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(match[2] ?? '')) {
    if (!(URL_PARAMS as readonly string[]).includes(key)) {
      throw new ConfigError(`Unknown query parameter "${key}" in memory url "${redactUrl(url)}"; valid: ${URL_PARAMS.join(', ')}`);
    }
    params[key] = key === 'profile' ? value : /^\d+$/.test(value) ? Number(value) : value;
  }
  return { name, params };
}

/** Parses the URL and options into a config; ConfigError names the bad field. */
export function resolveMemoryConfig(url: string, options: Record<string, unknown>): MemoryConfig {
  const { name, params } = fromUrl(url);
  for (const key of Object.keys(params)) {
    if (key in options && options[key] !== params[key]) {
      throw new ConfigError(`memory backend: "${key}" is set both in the url (${String(params[key])}) and in options (${String(options[key])}); set it once`);
    }
  }
  const parsed = parseConfig(MemoryOptionsSchema, { ...params, ...options }, 'memory backend options');
  return {
    brokerName: name,
    profile: parsed.profile,
    retention: parsed.retention,
    clock: parsed.clock,
    maxMessageBytes: parsed.maxMessageBytes ?? (parsed.profile === undefined ? undefined : PROFILE_MAX_MESSAGE_BYTES[parsed.profile]),
  };
}
