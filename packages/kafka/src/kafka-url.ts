import { ConfigError, redactUrl } from '@switchboard/core';

/** What a `kafka://` URL says about where and how to connect. */
export interface KafkaEndpoint {
  /** `host:port` of each bootstrap broker. */
  brokers: string[];
  /** `?tls=true` in the URL. */
  tls: boolean;
  /** Credentials from the URL's user info. */
  sasl?: {
    /** From `?sasl=`, default `plain`. */
    mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    /** The URL's user. */
    username: string;
    /** The URL's password; never logged. */
    password: string;
  };
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * Parses `kafka://[user:password@]host1:9092,host2:9092[?tls=true&sasl=scram-sha-256]`. A
 * comma-separated host list is not a valid WHATWG URL, so the authority is split by hand.
 */
export function parseKafkaUrl(url: string): KafkaEndpoint {
  const match = /^kafka:\/\/(?:([^@/]*)@)?([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(url.trim());
  if (match === null) {
    throw new ConfigError(`Invalid Kafka url "${redactUrl(url)}": expected kafka://host:9092[,host2:9092][?tls=true]`);
  }
  const [, userinfo, hostList = '', query = ''] = match;
  const brokers = hostList.split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  if (brokers.length === 0) throw new ConfigError(`Kafka url "${redactUrl(url)}" names no broker: use kafka://host:9092`);
  for (const broker of brokers) {
    if (!/^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/i.test(broker)) {
      throw new ConfigError(`Kafka url "${redactUrl(url)}": "${broker}" is not host:port`);
    }
  }
  const endpoint: KafkaEndpoint = {
    brokers: brokers.map((b) => (/:\d{1,5}$/.test(b) ? b : `${b}:9092`)),
    tls: false,
  };
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (key !== 'tls' && key !== 'sasl') throw new ConfigError(`Kafka url "${redactUrl(url)}": unknown parameter "${key}"; valid: tls, sasl`);
  }
  const tls = params.get('tls');
  if (tls !== null) endpoint.tls = tls === 'true' || tls === '1';
  if (userinfo !== undefined && userinfo.length > 0) {
    const [user = '', ...rest] = userinfo.split(':');
    const mechanism = (params.get('sasl') ?? 'plain').toLowerCase();
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new ConfigError(`Kafka url "${redactUrl(url)}": sasl must be one of ${SASL_MECHANISMS.join(', ')}`);
    }
    endpoint.sasl = {
      mechanism: mechanism as (typeof SASL_MECHANISMS)[number],
      username: decodeUserinfo(user, url),
      password: decodeUserinfo(rest.join(':'), url),
    };
  }
  return endpoint;
}

function decodeUserinfo(part: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(`Kafka url "${redactUrl(url)}": the user name or password has a malformed %-escape; encode it with encodeURIComponent`);
  }
}
