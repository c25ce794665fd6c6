import { describe, expect, it } from 'vitest';
import { ConfigError } from '@switchboard/core';
import { parseBrokerUrl } from './broker-url.js';

describe('parseBrokerUrl', () => {
  it('reads user, password, host, port and the default vhost', () => {
    const { endpoints } = parseBrokerUrl('amqp://app:s%40cret@rabbit.local:5673');
    expect(endpoints).toEqual([
      { protocol: 'amqp', hostname: 'rabbit.local', port: 5673, username: 'app', password: 's@cret', vhost: '/', display: 'app@rabbit.local:5673' },
    ]);
  });

  it('defaults to guest, port 5672 / 5671 for amqps, and decodes the vhost', () => {
    expect(parseBrokerUrl('amqp://localhost').endpoints[0]).toMatchObject({ username: 'guest', password: 'guest', port: 5672, vhost: '/' });
    expect(parseBrokerUrl('amqps://h/%2Fprod').endpoints[0]).toMatchObject({ protocol: 'amqps', port: 5671, vhost: '/prod' });
    expect(parseBrokerUrl('amqp://h/orders').endpoints[0]).toMatchObject({ vhost: 'orders', display: 'guest@h:5672/orders' });
  });

  it('takes several hosts for a cluster, IPv6 included', () => {
    const { endpoints } = parseBrokerUrl('amqp://u:p@a:5672,b,[::1]:5674/v');
    expect(endpoints.map((e) => [e.hostname, e.port, e.vhost])).toEqual([
      ['a', 5672, 'v'],
      ['b', 5672, 'v'],
      ['::1', 5674, 'v'],
    ]);
    expect(endpoints[2]?.display).toBe('u@[::1]:5674/v');
  });

  it('reads heartbeat, frameMax and channelMax and refuses other query parameters without showing the password', () => {
    expect(parseBrokerUrl('amqp://h?heartbeat=10&frameMax=8192')).toMatchObject({ heartbeat: 10, frameMax: 8192 });
    expect(() => parseBrokerUrl('amqp://u:topsecret@h?hearbeat=10')).toThrow(ConfigError);
    expect(() => parseBrokerUrl('amqp://u:topsecret@h?hearbeat=10')).not.toThrow(/topsecret/);
  });

  it('refuses other schemes and bad ports', () => {
    expect(() => parseBrokerUrl('http://h')).toThrow(ConfigError);
    expect(() => parseBrokerUrl('amqp://h:99999')).toThrow(/port/);
  });
});
