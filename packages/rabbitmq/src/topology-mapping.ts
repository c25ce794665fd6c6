import { z } from 'zod';
import { CHANNEL_NAME_PATTERN, ConfigError } from '@switchboard/core';
import { exchangeName, groupQueueName, MAX_NAME_BYTES } from './topology-names.js';

/** Exchange types a channel can be mapped onto. */
export const EXCHANGE_TYPES = ['fanout', 'topic', 'direct', 'headers'] as const;
/** One of {@link EXCHANGE_TYPES}. */
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

const brokerName = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .refine((name) => Buffer.byteLength(name) <= MAX_NAME_BYTES, `${what} is longer than RabbitMQ's ${MAX_NAME_BYTES} bytes`);

const routingKey = z.string().refine((key) => Buffer.byteLength(key) <= MAX_NAME_BYTES, `routing keys are at most ${MAX_NAME_BYTES} bytes`);

/** A headers-exchange binding: `x-match` plus the header values to match. */
const HeaderBindingSchema = z.strictObject({
  /** `all`: every listed header must match; `any`: one is enough. */
  match: z.enum(['all', 'any']).default('all'),
  /** Header name → value; names starting with `x-` are ignored by RabbitMQ's matching, so they are refused. */
  headers: z
    .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]))
    .refine((headers) => Object.keys(headers).length > 0, 'list at least one header (an empty match takes every message: omit bindings for that)')
    .refine((headers) => Object.keys(headers).every((name) => !name.startsWith('x-')), 'RabbitMQ ignores headers starting with x- when matching'),
});

type HeaderBinding = z.output<typeof HeaderBindingSchema>;

/**
 * A binding key or a header match, told apart by type first so an error names what is wrong with
 * the one that was meant (a plain union would only say "Invalid input").
 */
const BindingSchema = z.unknown().transform((value, ctx): string | HeaderBinding => {
  const result = typeof value === 'string' ? routingKey.safeParse(value) : HeaderBindingSchema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

const GroupMappingSchema = z.strictObject({
  /**
   * Queue this group consumes from instead of `<channel>:<group>`. With `declare: false` (the
   * default when `queue` is set) it must exist and is used as it is: neither declared nor bound.
   */
  queue: brokerName('queue').optional(),
  /** Declare (and bind) the group's queue, or only check that it exists. Default: true, false with `queue`. */
  declare: z.boolean().optional(),
  /**
   * Binding keys (topic patterns such as `orders.*.eu`, direct keys) or header matches (headers
   * exchange) of the group's queue. Default: every message (`#` on topic, an empty match on
   * headers, the empty key on fanout); a direct exchange needs them.
   */
  bindings: z.array(BindingSchema).min(1).optional(),
});

/**
 * `channels.x.options.rabbitmq`: maps the channel onto existing or hand-shaped topology. Every
 * field is optional and the defaults are Switchboard's own topology; unknown keys are rejected,
 * since a mistyped mapping would otherwise quietly create new exchanges and queues.
 */
export const RabbitTopologyMappingSchema = z.strictObject({
  /** The exchange the channel publishes to; default: a durable fanout exchange named like the channel. */
  exchange: z
    .strictObject({
      /** Exchange the channel publishes to and its groups bind to. Default: the channel name. */
      name: brokerName('exchange name').optional(),
      /** `fanout` (default), `topic`, `direct` or `headers`. */
      type: z.enum(EXCHANGE_TYPES).default('fanout'),
      /**
       * `true`: declare it (durable; an existing one must match, else ConfigError). `false`: it
       * must exist and is used as it is; only its type (and durability, with `durable`) is checked.
       */
      declare: z.boolean().default(true),
    })
    .default({ type: 'fanout', declare: true }),
  /**
   * Routing key of published messages (topic and direct exchanges): the message key (`{ from:
   * 'key' }`, the default; unkeyed messages get `default`, '' unless set) or one fixed key.
   */
  routingKey: z
    .union([
      z.strictObject({
        /** The routing key is the message key. */
        from: z.literal('key'),
        /** Routing key of messages without a key. */
        default: routingKey.default(''),
      }),
      z.strictObject({
        /** Every message is published with this routing key. */
        fixed: routingKey,
      }),
    ])
    .optional(),
  /** Per subscriber group: an existing queue and/or binding keys. Groups listed here are declared at connect. */
  groups: z
    .record(z.string(), GroupMappingSchema)
    .superRefine((groups, ctx) => {
      // Checked here, not on the record key: zod reports a bad key only as "Invalid key in record".
      for (const group of Object.keys(groups)) {
        if (!CHANNEL_NAME_PATTERN.test(group)) ctx.addIssue({ code: 'custom', path: [group], message: 'invalid group name: use 1-200 characters from A-Z a-z 0-9 . _ - starting with a letter or digit' });
      }
    })
    .default({}),
});

/** What `channels.x.options.rabbitmq` accepts (defaults filled in by the schema). */
export type RabbitTopologyMappingInput = z.input<typeof RabbitTopologyMappingSchema>;

/** One binding of a group queue: routing/binding key plus, on headers exchanges, the match arguments. */
export interface BindingSpec {
  pattern: string;
  args?: Record<string, unknown>;
}

/** Where one group reads from and how its queue is bound. */
export interface GroupRoute {
  queue: string;
  /** false: an existing queue, used as it is. */
  declare: boolean;
  /** Bindings to the channel's exchange (none when not declared). */
  bindings: BindingSpec[];
  /** True when the queue name is the group's own (not mapped). */
  derived: boolean;
}

export type PublishRouting = { from: 'none' } | { from: 'key'; fallback: string } | { from: 'fixed'; key: string };

/** A channel's topology, resolved from its declaration: what is published where, what each group reads. */
export interface ChannelMapping {
  channel: string;
  exchange: string;
  exchangeType: ExchangeType;
  declareExchange: boolean;
  routing: PublishRouting;
  /** Groups with an explicit mapping. */
  groups: ReadonlyMap<string, z.output<typeof GroupMappingSchema>>;
  /** False when everything is Switchboard's default topology. */
  mapped: boolean;
}

/** True on exchange types whose routing uses the routing key (so it must survive delay queues). */
export function routesByKey(type: ExchangeType): boolean {
  return type === 'topic' || type === 'direct';
}

function refuse(channel: string, path: string, why: string): never {
  throw new ConfigError(`Invalid RabbitMQ options of channel "${channel}": rabbitmq.${path}: ${why}`);
}

/** Checks the fields against each other (zod checks each alone) and resolves the defaults. */
export function resolveMapping(channel: string, input: z.output<typeof RabbitTopologyMappingSchema> | undefined): ChannelMapping {
  const exchange = input?.exchange ?? { type: 'fanout' as const, declare: true };
  const type = exchange.type;
  let routing: PublishRouting = routesByKey(type) ? { from: 'key', fallback: '' } : { from: 'none' };
  if (input?.routingKey !== undefined) {
    if (!routesByKey(type)) refuse(channel, 'routingKey', `a ${type} exchange ignores routing keys; remove routingKey or map a topic or direct exchange`);
    routing = 'fixed' in input.routingKey ? { from: 'fixed', key: input.routingKey.fixed } : { from: 'key', fallback: input.routingKey.default };
  }
  const groups = new Map(Object.entries(input?.groups ?? {}));
  for (const [group, mapping] of groups) {
    const path = `groups.${group}`;
    const declare = mapping.declare ?? mapping.queue === undefined;
    if (!declare && mapping.queue === undefined) refuse(channel, `${path}.declare`, 'declare: false needs the name of the existing queue (queue)');
    if (!declare && mapping.bindings !== undefined) {
      refuse(channel, `${path}.bindings`, `an existing queue (declare: false) keeps the bindings its owner gave it; set declare: true to have Switchboard bind "${mapping.queue}", or drop bindings`);
    }
    for (const binding of mapping.bindings ?? []) {
      const headerMatch = typeof binding !== 'string';
      if (type === 'fanout') refuse(channel, `${path}.bindings`, 'a fanout exchange gives every bound queue every message; bindings need a topic, direct or headers exchange');
      if (type === 'headers' && !headerMatch) refuse(channel, `${path}.bindings`, `a headers exchange matches headers, not the key "${binding}": use { match: 'all', headers: { … } }`);
      if (type !== 'headers' && headerMatch) refuse(channel, `${path}.bindings`, `header matches need a headers exchange; a ${type} exchange binds by key`);
    }
  }
  const mapped = exchange.name !== undefined || type !== 'fanout' || !exchange.declare || input?.routingKey !== undefined || groups.size > 0;
  return { channel, exchange: exchange.name ?? exchangeName(channel), exchangeType: type, declareExchange: exchange.declare, routing, groups, mapped };
}

/** The bindings a Switchboard-declared queue gets when the group names none: every message where possible. */
function defaultBindings(mapping: ChannelMapping, group: string): BindingSpec[] {
  const every = everyMessageBinding(mapping.exchangeType);
  if (every !== undefined) return [every];
  throw new ConfigError(
    `group "${group}" of channel "${mapping.channel}": a direct exchange routes exact keys only, so the group needs bindings ` +
      `(options.rabbitmq.groups.${group}.bindings) or an existing queue (options.rabbitmq.groups.${group}.queue)`,
  );
}

/** Queue, declare mode and bindings of one group. Throws ConfigError when the group cannot be routed. */
export function groupRoute(mapping: ChannelMapping, group: string): GroupRoute {
  const explicit = mapping.groups.get(group);
  const derived = explicit?.queue === undefined;
  const queue = explicit?.queue ?? groupQueueName(mapping.channel, group);
  const declare = explicit?.declare ?? derived;
  if (!declare) return { queue, declare, bindings: [], derived };
  const bindings =
    explicit?.bindings?.map((binding): BindingSpec =>
      typeof binding === 'string' ? { pattern: binding } : { pattern: '', args: { 'x-match': binding.match, ...binding.headers } },
    ) ?? defaultBindings(mapping, group);
  return { queue, declare, bindings, derived };
}

/** Routing key of a published message. */
export function publishRoutingKey(mapping: ChannelMapping, key: string | undefined): string {
  const routing = mapping.routing;
  if (routing.from === 'fixed') return routing.key;
  if (routing.from === 'key') return key ?? routing.fallback;
  return '';
}

/**
 * The binding that receives every message of an exchange type (groups without bindings, the
 * replay stream), or undefined for direct exchanges, which have no wildcard.
 */
export function everyMessageBinding(type: ExchangeType): BindingSpec | undefined {
  if (type === 'fanout') return { pattern: '' };
  if (type === 'topic') return { pattern: '#' };
  // A headers binding that lists no header matches every message.
  if (type === 'headers') return { pattern: '', args: { 'x-match': 'all' } };
  return undefined;
}
