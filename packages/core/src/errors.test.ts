import { describe, expect, it } from 'vitest';
import {
  AuthError,
  CapabilityError,
  ClosedError,
  CodecError,
  ConfigError,
  ConnectionError,
  DeadLetterError,
  ERROR_CODES,
  MessageTooLargeError,
  NoResponderError,
  redactUrl,
  RemoteError,
  SchemaError,
  SwitchboardError,
  TimeoutError,
} from './errors.js';

describe('errors', () => {
  it.each([
    [new ConfigError('x'), 'SB_CONFIG', false],
    [new CapabilityError('x'), 'SB_CAPABILITY', false],
    [new SchemaError('x'), 'SB_SCHEMA', false],
    [new TimeoutError('x'), 'SB_TIMEOUT', true],
    [new ClosedError('x'), 'SB_CLOSED', false],
    [new ConnectionError('x'), 'SB_CONNECTION', true],
    [new AuthError('x'), 'SB_AUTH', false],
    [new MessageTooLargeError('x', 2, 1), 'SB_MESSAGE_TOO_LARGE', false],
    [new NoResponderError('x'), 'SB_NO_RESPONDER', false],
    [new RemoteError('x'), 'SB_REMOTE', false],
    [new CodecError('x'), 'SB_CODEC', false],
    [new DeadLetterError('x'), 'SB_DEAD_LETTER', false],
  ] as const)('%o has code %s and retriable %s', (error, code, retriable) => {
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error.code).toBe(code);
    expect(error.retriable).toBe(retriable);
    expect(error.name).toBe(error.constructor.name);
    expect(SwitchboardError.is(error)).toBe(true);
    expect((error.constructor as typeof SwitchboardError).code).toBe(code);
  });

  it('uses every code exactly once', () => {
    const codes = Object.values(ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.every((c) => /^SB_[A-Z_]+$/.test(c))).toBe(true);
  });

  it('keeps the cause and lets a retriable flag override', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new ConnectionError('down', { cause, retriable: false });
    expect(error.cause).toBe(cause);
    expect(error.retriable).toBe(false);
    expect(SwitchboardError.is(cause)).toBe(false);
  });

  it('keeps instanceof across copies of core (a CommonJS app and the ESM backend it loads)', async () => {
    // The query string makes the module loader evaluate errors.ts a second time: a second copy.
    const secondCopy = './errors.js?second-copy';
    const other = (await import(secondCopy)) as typeof import('./errors.js');
    expect(other.NoResponderError).not.toBe(NoResponderError);
    const error: unknown = new other.NoResponderError('nobody home');
    expect(error instanceof NoResponderError).toBe(true);
    expect(error instanceof SwitchboardError).toBe(true);
    expect(error instanceof Error).toBe(true);
    expect(error instanceof TimeoutError).toBe(false);
    expect(new NoResponderError('x') instanceof other.NoResponderError).toBe(true);
    expect(new other.SwitchboardError('base') instanceof ConfigError).toBe(false);
    expect(new other.SwitchboardError('base', { code: 'SB_TIMEOUT' }) instanceof TimeoutError).toBe(false);
    expect({ code: 'SB_CONFIG' } instanceof ConfigError).toBe(false);
    // Subclasses an application defines keep the ordinary prototype check.
    class AppError extends ConfigError {}
    expect(new other.ConfigError('x') instanceof AppError).toBe(false);
    expect(new AppError('x') instanceof other.ConfigError).toBe(true);
    expect(new AppError('x') instanceof AppError).toBe(true);
  });

  it('redacts passwords from URLs', () => {
    expect(redactUrl('amqp://bob:s3cret@rabbit:5672/vh')).toBe('amqp://bob:***@rabbit:5672/vh');
    expect(redactUrl('failed amqps://alice:pw@h1,h2')).toBe('failed amqps://alice:***@h1,h2');
    expect(redactUrl('kafka://h:9092')).toBe('kafka://h:9092');
  });
});
