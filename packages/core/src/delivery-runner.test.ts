import { describe, expect, it } from 'vitest';
import { RetrySchema } from './config.js';
import { createDeliveryRunner, type RunnerContext } from './delivery-runner.js';
import { bindingFor } from './cloudevents.js';
import { encodeMessage, HEADERS } from './envelope.js';
import { createMessageDecoder, payloadRules } from './message-decoder.js';
import { ConnectionError, MessageTooLargeError } from './errors.js';
import type { Delivery, WireMessage } from './spi.js';

function delivery(): Delivery & { acks: number } {
  const wire = encodeMessage({ n: 1 }, 'test', 'c', 'ce_', { headers: { 'x-app': 'a' } });
  const d = { ...wire, redelivered: false, acks: 0, ack: () => void d.acks++ };
  return d;
}

function context(deadLetter: (dead: WireMessage) => Promise<void>, logs: string[]): RunnerContext {
  const log = (level: string) => (message: string) => void logs.push(`${level}: ${message}`);
  return {
    channel: 'c',
    group: 'g',
    prefix: 'ce_',
    decode: createMessageDecoder('c', bindingFor('ce_'), payloadRules('c', {})),
    retry: RetrySchema.parse({ maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 }),
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    signal: new AbortController().signal,
    deadLetter,
  };
}

const fail = (): never => {
  throw new Error('handler failed');
};

describe('dead-lettering that the broker refuses', () => {
  it('retries a retriable failure with backoff until the dead letter is stored, then acks once', async () => {
    const logs: string[] = [];
    let calls = 0;
    const d = delivery();
    await createDeliveryRunner(context(async () => {
      if (++calls < 3) throw new ConnectionError('broker away');
    }, logs), fail)(d);
    expect(calls).toBe(3);
    expect(d.acks).toBe(1);
    expect(logs.filter((l) => l.startsWith('warn')).length).toBe(2);
  });

  it('sends the reduced dead letter after a permanent refusal, and drops with an error only when that is refused too', async () => {
    const logs: string[] = [];
    const sent: WireMessage[] = [];
    const d = delivery();
    await createDeliveryRunner(context(async (dead) => {
      sent.push(dead);
      throw new MessageTooLargeError('too large', 1, 1);
    }, logs), fail)(d);
    expect(sent.length).toBe(2);
    expect(sent[0]?.headers['x-app']).toBe('a');
    expect(sent[1]?.headers['x-app']).toBeUndefined();
    expect(sent[1]?.headers[HEADERS.deadHeadersDropped]).toBe('true');
    expect(sent[1]?.headers[HEADERS.deadChannel]).toBe('c');
    expect(d.acks).toBe(1);
    expect(logs.some((l) => l.startsWith('error: switchboard: dropped'))).toBe(true);
  });

  it('leaves the message unsettled when the subscription closes while it waits', async () => {
    const abort = new AbortController();
    const d = delivery();
    const ctx = { ...context(async () => {
      abort.abort();
      throw new ConnectionError('broker away');
    }, []), signal: abort.signal };
    await createDeliveryRunner(ctx, fail)(d);
    expect(d.acks).toBe(0);
  });
});

describe('handlers that settle without a promise', () => {
  it('acks a synchronous handler before returning, and returns no promise', () => {
    const d = delivery();
    const seen: unknown[] = [];
    const result = createDeliveryRunner(context(async () => {}, []), (message) => void seen.push(message.payload))(d);
    expect(result).toBeUndefined();
    expect(d.acks).toBe(1);
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('retries a handler that throws synchronously, then acks once an attempt succeeds', async () => {
    const d = delivery();
    const attempts: number[] = [];
    const ctx = { ...context(async () => {}, []), retry: RetrySchema.parse({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 }) };
    await createDeliveryRunner(ctx, (message) => {
      attempts.push(message.attempt);
      if (message.attempt < 2) throw new Error('not yet');
    })(d);
    expect(attempts).toEqual([1, 2]);
    expect(d.acks).toBe(1);
  });

  it('awaits any thenable the handler returns before acking', async () => {
    const d = delivery();
    let resolve!: () => void;
    const thenable = { then: (ok: () => void) => void (resolve = ok) };
    const running = createDeliveryRunner(context(async () => {}, []), () => thenable)(d);
    expect(running).toBeInstanceOf(Promise);
    await Promise.resolve();
    expect(d.acks).toBe(0);
    resolve();
    await running;
    expect(d.acks).toBe(1);
  });
});
