import { CAPABILITY_NAMES, isDeclared, type ChannelSpec } from '@switchboard/core';
import type { CheckResult } from '../check.js';
import { amqpTopology, kafkaTopology, type ProtocolTopology } from './bindings.js';
import { payloadSchema } from './payload-schema.js';

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Everything an AsyncAPI document is built from. */
export interface AsyncApiInput {
  /** The application's channel declarations. */
  channels: Record<string, ChannelSpec>;
  /** `info.title`: the application's name. */
  title: string;
  /** `info.version`: the application's version. */
  version: string;
  /** `info.description`. */
  description?: string;
  /** Known backend: adds servers, protocol bindings, CloudEvents headers and per-channel outcomes. */
  backend?: {
    /** The backend's name: `kafka` and `rabbitmq` get bindings. */
    name: string;
    /** Its URL: servers come from the hosts (credentials are dropped). */
    url: string;
    /** Backend options that change names (Kafka `groupIdPrefix`, `partitions`). */
    options: Record<string, unknown>;
    /** What the channels get there, for `x-switchboard-capabilities`. */
    check: CheckResult;
  };
}

/** The AsyncAPI version produced. */
export const ASYNCAPI_VERSION = '3.0.0';

/** Ids in `channels`, `operations` and `components` keep to letters, digits, `_` and `-`. */
function idOf(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

function topologyFor(backend: AsyncApiInput['backend']): ProtocolTopology | undefined {
  if (backend?.name === 'kafka') return kafkaTopology(backend.url, backend.options);
  if (backend?.name === 'rabbitmq') return amqpTopology(backend.url);
  return undefined;
}

function headersSchema(topology: ProtocolTopology | undefined, extra: string[] = []): Json | undefined {
  if (topology === undefined) return undefined;
  const p = topology.headerPrefix;
  const attribute = (description: string) => ({ type: 'string', description });
  return {
    type: 'object',
    properties: {
      [`${p}specversion`]: { type: 'string', const: '1.0', description: 'CloudEvents spec version (binary mode).' },
      [`${p}id`]: attribute('CloudEvents id: the message id.'),
      [`${p}source`]: attribute('CloudEvents source: the publishing application.'),
      [`${p}type`]: attribute('CloudEvents type; the channel name unless the publisher set one.'),
      [`${p}time`]: { type: 'string', format: 'date-time', description: 'CloudEvents time: when it was published.' },
      'content-type': attribute('Content type of the body (application/json unless bytes or text).'),
      traceparent: attribute('W3C trace context, when the publisher had one.'),
      ...Object.fromEntries(extra.map((name) => [name, attribute('Request/reply protocol header.')])),
    },
    required: [`${p}specversion`, `${p}id`, `${p}source`, `${p}type`],
    additionalProperties: { type: 'string', description: 'Application headers.' },
  };
}

/**
 * Builds an AsyncAPI 3.0 document from the declarations: one channel per declared channel with
 * its message (payload schema from the zod schema), a `send` operation, a `receive` operation per
 * declared subscriber group (one for any group when none is declared), `request` / `respond`
 * operations with a reply for `requestReply` channels, and — when the backend is known — servers,
 * Kafka or AMQP bindings and CloudEvents headers. Declared requirements are `x-switchboard-requires`;
 * what the backend makes of them is `x-switchboard-capabilities`.
 */
export function buildAsyncApi(input: AsyncApiInput): Json {
  const topology = topologyFor(input.backend);
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  for (const [name, spec] of Object.entries(input.channels)) {
    const id = idOf(name);
    const requires = spec.requires ?? {};
    const declared = Object.fromEntries(CAPABILITY_NAMES.filter((c) => isDeclared(requires, c)).map((c) => [c, requires[c]]));
    const requestReply = isDeclared(requires, 'requestReply');
    const replies = requestReply ? topology?.replies(name) : undefined;
    const payload = payloadSchema(spec.schema);
    const headers = headersSchema(topology, requestReply && replies !== undefined && input.backend?.name === 'kafka' ? [replies.replyToHeader, replies.correlationHeader, 'sb-reply-deadline'] : []);
    messages[id] = {
      name,
      title: `${name} message`,
      contentType: 'application/json',
      ...(payload !== undefined && { payload }),
      ...(headers !== undefined && { headers }),
      ...(replies !== undefined && { correlationId: { location: `$message.header#/${replies.correlationHeader}` } }),
      ...(topology?.messageBinding !== undefined && { bindings: { [topology.bindingKey]: topology.messageBinding() } }),
    };
    const messageRef = { $ref: `#/components/messages/${id}` };
    const bindingKey = topology?.bindingKey ?? 'amqp';
    const outcomes = input.backend?.check.channels[name];
    channels[id] = {
      address: name,
      title: name,
      messages: { [id]: messageRef },
      ...(topology !== undefined && { bindings: { [bindingKey]: topology.channelBinding(name, spec) } }),
      'x-switchboard-requires': declared,
      ...(outcomes !== undefined && {
        'x-switchboard-capabilities': Object.fromEntries(
          outcomes.map((o) => [o.capability, { outcome: o.outcome, support: o.support, detail: o.detail, ...(o.limits && { limits: o.limits }), ...(o.satisfiedBy && { satisfiedBy: o.satisfiedBy }) }]),
        ),
      }),
    };
    const channelMessage = (channelId: string) => ({ $ref: `#/channels/${channelId}/messages/${id}` });
    operations[`${id}_send`] = {
      action: 'send',
      title: `Publish to ${name}`,
      summary: `Every subscriber group of ${name} gets the message; members of one group share them.`,
      channel: { $ref: `#/channels/${id}` },
      messages: [channelMessage(id)],
      ...(topology?.sendBinding !== undefined && { bindings: { [bindingKey]: topology.sendBinding() } }),
    };
    const groups = spec.groups ?? [];
    for (const group of groups.length > 0 ? groups : [undefined]) {
      const reads = group === undefined ? undefined : topology?.groupReads(name, group);
      let channelId = id;
      if (reads?.address !== undefined) {
        channelId = idOf(reads.address);
        channels[channelId] = {
          address: reads.address,
          title: `${name}, group ${group}`,
          messages: { [id]: messageRef },
          ...(reads.channelBinding !== undefined && { bindings: { [bindingKey]: reads.channelBinding } }),
        };
      }
      operations[group === undefined ? `${id}_receive` : `${id}_receive_${idOf(group)}`] = {
        action: 'receive',
        title: group === undefined ? `Subscribe to ${name}` : `Subscriber group ${group} of ${name}`,
        summary: group === undefined ? 'Any subscriber group; each group gets every message.' : `Members of group ${group} share the messages.`,
        channel: { $ref: `#/channels/${channelId}` },
        messages: [channelMessage(channelId)],
        ...(reads?.operationBinding !== undefined && { bindings: { [bindingKey]: reads.operationBinding } }),
      };
    }
    if (requestReply) {
      const replyId = `${id}_reply`;
      const replyPayload = payloadSchema(spec.replySchema);
      messages[replyId] = {
        name: `${name} reply`,
        title: `${name} reply`,
        contentType: 'application/json',
        ...(replyPayload !== undefined && { payload: replyPayload }),
        ...(headers !== undefined && { headers }),
        ...(replies !== undefined && { correlationId: { location: `$message.header#/${replies.correlationHeader}` } }),
      };
      const replyChannelId = `${id}_replies`;
      channels[replyChannelId] = {
        address: replies?.address ?? null,
        title: `${name} replies`,
        description: replies?.description ?? 'Replies go back to the requester (address chosen by the backend).',
        messages: { [replyId]: { $ref: `#/components/messages/${replyId}` } },
        ...(replies?.channelBinding !== undefined && { bindings: { [bindingKey]: replies.channelBinding } }),
      };
      const requests = topology?.requestAddress?.(name);
      let requestChannelId = id;
      if (requests !== undefined) {
        requestChannelId = idOf(requests.address);
        channels[requestChannelId] = { address: requests.address, title: `${name} requests`, messages: { [id]: messageRef }, bindings: { [bindingKey]: requests.channelBinding } };
      }
      const reply = {
        channel: { $ref: `#/channels/${replyChannelId}` },
        messages: [{ $ref: `#/channels/${replyChannelId}/messages/${replyId}` }],
        ...(replies !== undefined && { address: { location: `$message.header#/${replies.replyToHeader}`, description: 'Where the reply goes.' } }),
      };
      operations[`${id}_request`] = {
        action: 'send',
        title: `Request on ${name}`,
        summary: 'Sends a request and waits for one reply (with a timeout).',
        channel: { $ref: `#/channels/${requestChannelId}` },
        messages: [channelMessage(requestChannelId)],
        reply,
        ...(topology?.requestBinding !== undefined && { bindings: { [bindingKey]: topology.requestBinding() } }),
      };
      operations[`${id}_respond`] = {
        action: 'receive',
        title: `Respond on ${name}`,
        summary: 'Competing responders share the requests; the handler result is the reply.',
        channel: { $ref: `#/channels/${requestChannelId}` },
        messages: [channelMessage(requestChannelId)],
        reply,
      };
    }
  }
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: input.title,
      version: input.version,
      ...(input.description !== undefined && { description: input.description }),
    },
    defaultContentType: 'application/json',
    ...(topology !== undefined && { servers: topology.servers() }),
    channels,
    operations,
    components: { messages },
    ...(input.backend !== undefined && { 'x-switchboard-backend': input.backend.name }),
  };
}
