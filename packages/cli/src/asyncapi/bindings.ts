import type { ChannelSpec } from '@switchboard/core';

/**
 * Where and how the shipped broker backends put a channel, in AsyncAPI binding terms. The names
 * follow the backends' documented topology (see the rabbitmq and kafka READMEs): a service that
 * does not use Switchboard can read and write these channels from the document alone.
 */
export interface ProtocolTopology {
  /** AsyncAPI protocol of the servers. */
  protocol: string;
  /** Key of this protocol's bindings objects. */
  bindingKey: 'kafka' | 'amqp';
  /** Servers (hosts without credentials). */
  servers(): Record<string, Record<string, unknown>>;
  /** CloudEvents attribute prefix in message headers. */
  headerPrefix: string;
  /** Binding of the channel's main address (topic, exchange). */
  channelBinding(name: string, spec: ChannelSpec): Record<string, unknown>;
  /** Message binding (Kafka: the key). */
  messageBinding?(): Record<string, unknown>;
  /** Binding of a send (publish) operation. */
  sendBinding?(): Record<string, unknown>;
  /**
   * Where one subscriber group reads: a separate address (AMQP: the group's queue), or the
   * main channel with an operation binding (Kafka: the consumer group id).
   */
  groupReads(name: string, group: string): { address?: string; channelBinding?: Record<string, unknown>; operationBinding?: Record<string, unknown> };
  /** Where requests travel when not on the main address (AMQP: the responders' queue). */
  requestAddress?(name: string): { address: string; channelBinding: Record<string, unknown> };
  /** Binding of the request operation. */
  requestBinding?(): Record<string, unknown>;
  /** Where replies travel, and the header that carries the reply address and the correlation id. */
  replies(name: string): { address: string; channelBinding?: Record<string, unknown>; replyToHeader: string; correlationHeader: string; description: string };
}

function hostsOf(url: string): { hosts: string[]; path: string; scheme: string } {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?([^/?#]*)([^?#]*)/i.exec(url);
  const scheme = (match?.[1] ?? '').toLowerCase();
  const hosts = (match?.[2] ?? '').split(',').filter((h) => h !== '');
  return { hosts, path: match?.[3] ?? '', scheme };
}

function serversFor(url: string, protocol: string, defaultPort: number, extra: () => Record<string, unknown>): Record<string, Record<string, unknown>> {
  const { hosts } = hostsOf(url);
  const servers: Record<string, Record<string, unknown>> = {};
  hosts.forEach((host, i) => {
    const withPort = /:\d+$/.test(host) ? host : `${host}:${defaultPort}`;
    servers[hosts.length === 1 ? protocol.replace(/[^A-Za-z0-9_-]/g, '') : `${protocol}-${i + 1}`] = { host: withPort, protocol, ...extra() };
  });
  return servers;
}

const KAFKA_BINDING = '0.5.0';
const AMQP_BINDING = '0.3.0';

/** Kafka (`kafka://h1:9092,h2:9092`): topic = channel, consumer group `<groupIdPrefix><channel>:<group>`, replies on `<channel>.replies`. */
export function kafkaTopology(url: string, options: Record<string, unknown>): ProtocolTopology {
  const prefix = typeof options['groupIdPrefix'] === 'string' ? options['groupIdPrefix'] : '';
  const defaultPartitions = typeof options['partitions'] === 'number' ? options['partitions'] : 3;
  const replicas = typeof options['replicationFactor'] === 'number' ? { replicas: options['replicationFactor'] } : {};
  return {
    protocol: 'kafka',
    bindingKey: 'kafka',
    headerPrefix: 'ce_',
    servers: () => serversFor(url, /[?&]tls=true/.test(url) || options['ssl'] !== undefined ? 'kafka-secure' : 'kafka', 9092, () => ({})),
    channelBinding: (name, spec) => ({ topic: name, partitions: spec.partitions ?? defaultPartitions, ...replicas, bindingVersion: KAFKA_BINDING }),
    messageBinding: () => ({ key: { type: 'string', description: 'Ordering key: messages with one key go to one partition, in order.' }, bindingVersion: KAFKA_BINDING }),
    groupReads: (name, group) => ({ operationBinding: { groupId: { type: 'string', enum: [`${prefix}${name}:${group}`] }, bindingVersion: KAFKA_BINDING } }),
    replies: (name) => ({
      address: `${name}.replies`,
      channelBinding: { topic: `${name}.replies`, partitions: 1, bindingVersion: KAFKA_BINDING },
      replyToHeader: 'sb-reply-to',
      correlationHeader: 'sb-correlation-id',
      description: 'Replies are produced to the reply topic named in the request, with its correlation id; requests past their sb-reply-deadline header are skipped.',
    }),
  };
}

/** AMQP 0-9-1 (RabbitMQ): fanout exchange = channel, a durable queue `<channel>.<group>` per group, direct reply-to. */
export function amqpTopology(url: string): ProtocolTopology {
  const { path, scheme } = hostsOf(url);
  const vhost = path.length > 1 ? decodeURIComponent(path.slice(1)) : '/';
  const secure = scheme === 'amqps';
  return {
    protocol: secure ? 'amqps' : 'amqp',
    bindingKey: 'amqp',
    headerPrefix: 'cloudEvents:',
    servers: () => serversFor(url, secure ? 'amqps' : 'amqp', secure ? 5671 : 5672, () => (vhost === '/' ? {} : { pathname: `/${encodeURIComponent(vhost)}` })),
    channelBinding: (name) => ({ is: 'routingKey', exchange: { name, type: 'fanout', durable: true, autoDelete: false, vhost }, bindingVersion: AMQP_BINDING }),
    sendBinding: () => ({ deliveryMode: 2, bindingVersion: AMQP_BINDING }),
    groupReads: (name, group) => ({
      address: `${name}.${group}`,
      channelBinding: { is: 'queue', queue: { name: `${name}.${group}`, durable: true, exclusive: false, autoDelete: false, vhost }, bindingVersion: AMQP_BINDING },
      operationBinding: { ack: true, bindingVersion: AMQP_BINDING },
    }),
    requestAddress: (name) => ({ address: `${name}~requests`, channelBinding: { is: 'queue', queue: { name: `${name}~requests`, vhost }, bindingVersion: AMQP_BINDING } }),
    requestBinding: () => ({ mandatory: true, bindingVersion: AMQP_BINDING }),
    replies: () => ({
      address: 'amq.rabbitmq.reply-to',
      replyToHeader: 'replyTo',
      correlationHeader: 'correlationId',
      description: "Direct reply-to: the responder publishes the reply to the request's reply_to with its correlation_id, through the default exchange.",
    }),
  };
}
