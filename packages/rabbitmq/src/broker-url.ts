import { ConfigError, redactUrl } from '@switchboard/core';

/** One broker node to try, in amqplib's object form plus what errors may show. */
export interface BrokerEndpoint {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  /** `user@host:port/vhost` — safe for messages and logs. */
  display: string;
}

export interface BrokerUrl {
  endpoints: BrokerEndpoint[];
  heartbeat?: number;
  frameMax?: number;
  channelMax?: number;
}

const URL_PATTERN = /^(amqps?):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i;
const KNOWN_QUERY = ['heartbeat', 'frameMax', 'channelMax'] as const;

function decode(part: string, what: string, url: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(`Invalid ${what} in url "${redactUrl(url)}": bad percent-encoding`);
  }
}

function parseHost(spec: string, defaultPort: number, url: string): { hostname: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec);
  if (match === null) throw new ConfigError(`Invalid host "${spec}" in url "${redactUrl(url)}": use host or host:port`);
  const hostname = (match[1] as string).replace(/^\[|\]$/g, '');
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (!(port > 0 && port < 65536)) throw new ConfigError(`Invalid port in url "${redactUrl(url)}": ${match[2]}`);
  return { hostname, port };
}

/**
 * Parses `amqp[s]://user:pass@host1:5672,host2:5672/vhost?heartbeat=10`. Several hosts mean a
 * cluster: they are tried in order on every (re)connect. The vhost is the percent-decoded path
 * (`%2F` is `/`); no path means the default vhost `/`.
 */
export function parseBrokerUrl(url: string): BrokerUrl {
  const match = URL_PATTERN.exec(url.trim());
  if (match === null) {
    throw new ConfigError(`Invalid RabbitMQ url "${redactUrl(url)}": use amqp://user:password@host:5672/vhost (or amqps://)`);
  }
  const protocol = (match[1] as string).toLowerCase() as 'amqp' | 'amqps';
  const userinfo = match[2];
  const hosts = (match[3] ?? '').split(',').filter((h) => h.length > 0);
  if (hosts.length === 0) hosts.push('localhost');
  const path = match[4];
  let username = 'guest';
  let password = 'guest';
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    username = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name', url);
    password = colon < 0 ? '' : decode(userinfo.slice(colon + 1), 'password', url);
  }
  const vhost = path === undefined || path === '/' || path === '' ? '/' : decode(path.slice(1), 'vhost', url);
  const defaultPort = protocol === 'amqps' ? 5671 : 5672;
  const endpoints = hosts.map((spec) => {
    const { hostname, port } = parseHost(spec, defaultPort, url);
    const hostText = hostname.includes(':') ? `[${hostname}]` : hostname;
    return { protocol, hostname, port, username, password, vhost, display: `${username}@${hostText}:${port}${vhost === '/' ? '' : `/${vhost}`}` };
  });
  const parsed: BrokerUrl = { endpoints };
  for (const pair of (match[5] ?? '').split('&').filter((p) => p.length > 0)) {
    const [name = '', value = ''] = pair.split('=');
    if (!(KNOWN_QUERY as readonly string[]).includes(name)) {
      throw new ConfigError(`Unknown query parameter "${name}" in url "${redactUrl(url)}"; supported: ${KNOWN_QUERY.join(', ')}`);
    }
    const number = Number(value);
    if (!Number.isInteger(number) || number < 0) throw new ConfigError(`Query parameter ${name} in url "${redactUrl(url)}" must be a non-negative integer`);
    parsed[name as (typeof KNOWN_QUERY)[number]] = number;
  }
  return parsed;
}
