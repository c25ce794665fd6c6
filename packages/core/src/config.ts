import { z } from 'zod';
import { CAPABILITY_NAMES, type CapabilityName } from './capabilities.js';
import type { CodecOption } from './codec.js';
import { ConfigError } from './errors.js';
import { MAX_TIMER_MS } from './argument-checks.js';

/** Milliseconds as Node timers and brokers take them: an integer from `min` to 2^31 − 1. */
const ms = (min: number) => z.number().int().min(min).max(MAX_TIMER_MS);
import { CLOUDEVENT_TYPE, essenceOf, isMediaType } from './media-type.js';

/** Channel names travel to every broker, so they use the character set all of them accept. */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export const ChannelNameSchema = z
  .string()
  .regex(CHANNEL_NAME_PATTERN, 'use 1-200 characters from A-Z a-z 0-9 . _ - starting with a letter or digit');

export const RequirementSchema = z.union([z.literal(true), z.literal(false), z.literal('native'), z.literal('preferred')]);

export const RequirementsSchema = z.strictObject(
  Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, RequirementSchema.optional()])) as Record<
    CapabilityName,
    z.ZodOptional<typeof RequirementSchema>
  >,
);

const zodLike = z.custom<{ safeParse: (value: unknown) => unknown }>(
  (value) => typeof value === 'object' && value !== null && typeof (value as { safeParse?: unknown }).safeParse === 'function',
  'expected a zod schema (an object with safeParse)',
);

function isCodec(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const codec = value as Record<string, unknown>;
  const accepts = codec['accepts'];
  const contentType = codec['contentType'];
  return (
    typeof contentType === 'string' &&
    isMediaType(contentType) &&
    essenceOf(contentType) !== CLOUDEVENT_TYPE &&
    typeof codec['encode'] === 'function' &&
    typeof codec['decode'] === 'function' &&
    (accepts === undefined || (Array.isArray(accepts) && accepts.every((t) => typeof t === 'string' && isMediaType(t))))
  );
}

/** `'json' | 'text' | 'bytes'` or a codec object; one check, so a mistake gets one clear message. */
export const CodecSchema = z.custom<CodecOption>(
  (value) => value === 'json' || value === 'text' || value === 'bytes' || isCodec(value),
  "expected 'json', 'text', 'bytes' or a codec { contentType: 'type/subtype', accepts?: string[], encode(payload), decode(body, contentType) }",
);

/** Retry with exponential backoff and jitter, then dead-letter. */
export const RetrySchema = z.strictObject({
  /** Total handler attempts, including the first. 1 = no retry. */
  maxAttempts: z.number().int().min(1).max(1000).default(5),
  /** Delay before the second attempt. */
  initialDelayMs: ms(0).default(200),
  /** Longest delay between two attempts. */
  maxDelayMs: ms(0).default(30_000),
  /** Each delay is the previous one times this. */
  factor: z.number().min(1).max(100).default(2),
  /** Fraction of each delay that is randomised (0 = none, 1 = full jitter). */
  jitter: z.number().min(0).max(1).default(0.2),
});

/** Retry options as an application writes them (`subscribe(…, { retry })`). */
export type RetryOptions = z.input<typeof RetrySchema>;
/** Retry options with every default filled in. */
export type RetryPolicy = z.output<typeof RetrySchema>;

export const ChannelSpecSchema = z.strictObject({
  requires: RequirementsSchema.default({}),
  schema: zodLike.optional(),
  replySchema: zodLike.optional(),
  /** How payloads become bytes and back; a message's own content type wins when it has one. */
  codec: CodecSchema.default('json'),
  /** Subscriber groups that exist from the start: messages published before they subscribe are kept for them. */
  groups: z.array(z.string().regex(CHANNEL_NAME_PATTERN, 'invalid group name')).default([]),
  /** Highest priority level (only with `priority`). */
  maxPriority: z.number().int().min(1).max(255).default(10),
  /** Partitions for backends that partition (Kafka). */
  partitions: z.number().int().min(1).max(10_000).optional(),
  /** Backend-specific channel options. */
  options: z.record(z.string(), z.unknown()).default({}),
});

export type ChannelSetupInput = z.input<typeof ChannelSpecSchema>;
export type ResolvedChannelSpec = z.output<typeof ChannelSpecSchema>;

export const SubscribeOptionsSchema = z.strictObject({
  concurrency: z.number().int().min(1).max(10_000).default(16),
  retry: RetrySchema.default(RetrySchema.parse({})),
  /** How long `close()` waits for in-flight handlers. */
  drainTimeoutMs: ms(0).optional(),
  onStatus: z.custom<(status: never) => void>((value) => typeof value === 'function', 'expected a function').optional(),
});

const loggerLike = z.custom<object>(
  (value) => {
    if (typeof value !== 'object' || value === null) return false;
    const logger = value as Record<string, unknown>;
    return ['warn', 'error', 'info', 'log'].some((level) => typeof logger[level] === 'function');
  },
  'expected a logger with debug/info/warn/error (pino, winston, bunyan and console work as they are)',
);

const backendLike = z.custom<object>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    (typeof (value as { create?: unknown }).create === 'function' || typeof (value as { publish?: unknown }).publish === 'function'),
  'expected a BackendFactory (with create) or a Backend instance',
);

const providerLike = (method: 'getTracer' | 'getMeter') =>
  z.custom<object>(
    (value) => typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[method] === 'function',
    `expected an OpenTelemetry provider (an object with ${method})`,
  );

const TelemetryProvidersSchema = z.strictObject({ tracerProvider: providerLike('getTracer').optional(), meterProvider: providerLike('getMeter').optional() });

/** `false`, or the providers; told apart first so that an error names the bad provider (a union would only say "Invalid input"). */
export const TelemetryOptionsSchema = z.unknown().transform((value, ctx): false | z.output<typeof TelemetryProvidersSchema> => {
  if (value === false) return false;
  const result = TelemetryProvidersSchema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as never);
  return z.NEVER;
});

export const ConnectOptionsSchema = z.strictObject({
  url: z.string().min(1, 'url is required, e.g. memory://, amqp://host:5672, kafka://host:9092'),
  backend: backendLike.optional(),
  channels: z.record(ChannelNameSchema, ChannelSpecSchema).default({}),
  /** Backend-specific connection options (TLS, client ids, ...), validated by the backend. */
  options: z.record(z.string(), z.unknown()).default({}),
  logger: loggerLike.optional(),
  /** CloudEvents `source` attribute for published messages. */
  source: z.string().min(1).default('switchboard'),
  closeTimeoutMs: ms(0).default(10_000),
  requestTimeoutMs: ms(1).default(5_000),
  /** Deadline of every publish, from the call to the broker's confirm; then TimeoutError (retriable). */
  publishTimeoutMs: ms(1).default(30_000),
  /** OpenTelemetry providers, or false for none; default the global ones an SDK registered. */
  telemetry: TelemetryOptionsSchema.optional(),
});

/** Turns a ZodError into a ConfigError that names the field and, for unknown keys, the valid ones. */
export function parseConfig<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.join(', ');
      const where = issue.path.map(String);
      if (where.at(-1) === 'requires') {
        const hints = issue.keys.map((key) => closest(key, CAPABILITY_NAMES)).filter((hint) => hint !== undefined);
        const didYouMean = hints.length > 0 ? ` Did you mean ${hints.join(', ')}?` : '';
        return `${path}: unknown capability ${keys}.${didYouMean} Valid capabilities: ${CAPABILITY_NAMES.join(', ')}.`;
      }
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}.`;
    }
    return `${path}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid ${what}: ${lines.join('; ')}`, { cause: result.error });
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The valid name closest to a misspelt one, if it is close enough to be what was meant. */
function closest(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of valid) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
