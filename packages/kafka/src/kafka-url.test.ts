import { ConfigError } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { parseKafkaUrl } from './kafka-url.js';

describe('parseKafkaUrl', () => {
  it('reads a broker list, default port, tls and SASL credentials', () => {
    expect(parseKafkaUrl('kafka://a:9092,b:19092')).toEqual({ brokers: ['a:9092', 'b:19092'], tls: false });
    expect(parseKafkaUrl('kafka://broker')).toEqual({ brokers: ['broker:9092'], tls: false });
    expect(parseKafkaUrl('kafka://[::1]:9092/?tls=true')).toEqual({ brokers: ['[::1]:9092'], tls: true });
    expect(parseKafkaUrl('kafka://app:p%40ss:w@h:9093?sasl=scram-sha-512')).toEqual({
      brokers: ['h:9093'],
      tls: false,
      sasl: { mechanism: 'scram-sha-512', username: 'app', password: 'p@ss:w' },
    });
  });

  it('refuses malformed URLs with a ConfigError that hides the password', () => {
    for (const bad of ['kafka://', 'kafka://h:9092?acks=0', 'kafka://u:secret@h:9092?sasl=kerberos', 'kafka://bad host']) {
      const error = (() => {
        try {
          parseKafkaUrl(bad);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain('secret');
    }
  });
});
