import { AuthError, ConfigError, ConnectionError, SwitchboardError, TimeoutError } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { GroupProtocolError, protocolErrorType, translateKafkaError } from './kafka-errors.js';

// Shaped like kafkajs' errors (name / type / retriable / cause / errors), without a broker.
const kafkaError = (name: string, fields: Record<string, unknown> = {}): Error => Object.assign(new Error(`${name} happened`), { name, ...fields });

describe('translateKafkaError', () => {
  it.each([
    [kafkaError('KafkaJSConnectionError'), ConnectionError],
    [kafkaError('KafkaJSNumberOfRetriesExceeded', { cause: kafkaError('KafkaJSRequestTimeoutError') }), ConnectionError],
    [kafkaError('KafkaJSSASLAuthenticationError'), AuthError],
    [kafkaError('KafkaJSProtocolError', { type: 'TOPIC_AUTHORIZATION_FAILED' }), AuthError],
    [kafkaError('KafkaJSAggregateError', { errors: [kafkaError('KafkaJSCreateTopicError', { type: 'INVALID_TOPIC_EXCEPTION' })] }), ConfigError],
    [kafkaError('KafkaJSProtocolError', { type: 'INVALID_REPLICATION_FACTOR' }), ConfigError],
    [kafkaError('KafkaJSProtocolError', { type: 'INCONSISTENT_GROUP_PROTOCOL' }), GroupProtocolError],
    [kafkaError('KafkaJSProtocolError', { type: 'INVALID_RECORD' }), ConfigError],
  ])('%s → %o', (error, expected) => {
    const translated = translateKafkaError(error, 'doing it');
    expect(translated).toBeInstanceOf(expected);
    expect(translated.message).toContain('doing it');
    expect(translated.cause).toBe(error);
  });

  it('keeps Switchboard errors and falls back to the base class with kafkajs retriability', () => {
    const own = new TimeoutError('t');
    expect(translateKafkaError(own, 'x')).toBe(own);
    const other = translateKafkaError(kafkaError('KafkaJSError', { retriable: true }), 'x');
    expect(other.constructor).toBe(SwitchboardError);
    expect(other.retriable).toBe(true);
  });

  it('finds the protocol error type anywhere in the cause chain', () => {
    const nested = kafkaError('KafkaJSNumberOfRetriesExceeded', { cause: kafkaError('KafkaJSProtocolError', { type: 'MESSAGE_TOO_LARGE' }) });
    expect(protocolErrorType(nested)).toBe('MESSAGE_TOO_LARGE');
    expect(protocolErrorType(new Error('plain'))).toBeUndefined();
  });
});
