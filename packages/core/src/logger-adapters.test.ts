import { describe, expect, it } from 'vitest';
import { adaptLogger } from './logger-adapters.js';

describe('adaptLogger', () => {
  it('calls pino-like loggers (fields, message) and console-like ones (message, fields)', () => {
    const calls: unknown[][] = [];
    const pinoLike = { bindings: () => ({}), levels: { values: {} }, warn: (...args: unknown[]) => void calls.push(['pino', ...args]) };
    const plain = { warn: (...args: unknown[]) => void calls.push(['plain', ...args]) };
    adaptLogger(pinoLike).warn('m', { a: 1 });
    adaptLogger(plain).warn('m', { a: 1 });
    adaptLogger(plain).warn('m');
    expect(calls).toEqual([
      ['pino', { a: 1 }, 'm'],
      ['plain', 'm', { a: 1 }],
      ['plain', 'm'],
    ]);
  });

  it('binds methods to their logger and falls back to the nearest level', () => {
    const seen: string[] = [];
    const logger = {
      prefix: 'p',
      log(this: { prefix: string }, message: string) {
        seen.push(`${this.prefix}:${message}`);
      },
    };
    const adapted = adaptLogger(logger);
    adapted.debug('d');
    adapted.error('e');
    expect(seen).toEqual(['p:d', 'p:e']);
  });
});
