import { afterAll, describe, expect, it } from 'vitest';
import { connect as amqpConnect } from 'amqplib';
import { AuthError, ConfigError, connect, ConnectionError, MessageTooLargeError, SwitchboardError } from '@switchboard/core';
import { rabbitProbe, rabbitStartApp, rabbitStopApp } from '../../../test/brokers/rabbitmq.mjs';
import { brokerSkipReason, RABBIT_URL, rabbitmqctl, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();

async function caught(promise: Promise<unknown>): Promise<SwitchboardError> {
  try {
    await promise;
  } catch (error) {
    return error as SwitchboardError;
  }
  throw new Error('expected a rejection');
}

async function deleteQueues(...names: string[]): Promise<void> {
  const model = await amqpConnect(RABBIT_URL);
  const channel = await model.createChannel();
  for (const name of names) await channel.deleteQueue(name);
  await model.close();
}

describe.skipIf(skip !== undefined)(`rabbitmq faults${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  afterAll(async () => {
    if (!(await rabbitProbe()).ok) await rabbitStartApp({ log: () => {} });
  }, 120_000);

  it('wrong credentials: AuthError naming user and host, never the password', async () => {
    const error = await caught(connect({ url: 'amqp://guest:not-the-password-42@127.0.0.1:5672' }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('"guest"');
    expect(error.message).toContain('127.0.0.1:5672');
    expect(error.message).not.toContain('not-the-password-42');
    expect(JSON.stringify(error)).not.toContain('not-the-password-42');
    expect(error.retriable).toBe(false);
  });

  it('a vhost that does not exist: AuthError naming the vhost', async () => {
    const error = await caught(connect({ url: 'amqp://guest:guest@127.0.0.1:5672/no-such-vhost' }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain('127.0.0.1:5672/no-such-vhost');
  });

  it('refused port: retriable ConnectionError within a bounded time', async () => {
    const started = Date.now();
    const error = await caught(connect({ url: 'amqp://guest:secret@127.0.0.1:1', options: { connectAttemptTimeoutMs: 2_000 } }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).not.toContain('secret');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('several hosts: connects to the first one that answers', async () => {
    const bus = await connect({ url: 'amqp://guest:guest@127.0.0.1:1,127.0.0.1:5672' });
    await bus.close();
  });

  it('an existing queue with other arguments: ConfigError naming the argument', async () => {
    const channel = unique('args');
    const first = await connect({ url: RABBIT_URL, channels: { [channel]: { requires: { priority: true }, maxPriority: 5, groups: ['g'] } } });
    await first.close();
    try {
      const error = await caught(connect({ url: RABBIT_URL, channels: { [channel]: { requires: { priority: true }, maxPriority: 7, groups: ['g'] } } }));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('x-max-priority');
      expect(error.message).toContain(`${channel}:g`);
      // The failed declare closed only its throwaway channel: the same bus keeps working.
      const bus = await connect({ url: RABBIT_URL, channels: { [channel]: { requires: { priority: true }, maxPriority: 5, groups: ['g'] } } });
      const other = bus.channel(unique('after'), {});
      await other.publish('still fine');
      await bus.close();
    } finally {
      await deleteQueues(`${channel}:g`);
    }
  });

  it('oversized message: MessageTooLargeError before sending, from maxMessageBytes', async () => {
    const channel = unique('big');
    const bus = await connect({ url: RABBIT_URL, channels: { [channel]: {} }, options: { maxMessageBytes: 64 * 1024 } });
    try {
      const error = await caught(bus.channel(channel).publish(Buffer.alloc(100 * 1024)));
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect((error as MessageTooLargeError).limitBytes).toBe(64 * 1024);
      await bus.channel(channel).publish(Buffer.alloc(1024));
    } finally {
      await bus.close();
    }
  });

  it('oversized headers: MessageTooLargeError instead of a broken frame', async () => {
    const channel = unique('headers');
    const bus = await connect({ url: RABBIT_URL, channels: { [channel]: {} } });
    try {
      const error = await caught(bus.channel(channel).publish('x', { headers: { big: 'y'.repeat(100 * 1024) } }));
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect(error.message).toMatch(/header/);
    } finally {
      await bus.close();
    }
  });

  it("the broker's own refusal (max_message_size) becomes MessageTooLargeError, and publishing goes on", async () => {
    const channel = unique('brokerlimit');
    rabbitmqctl('eval', 'application:set_env(rabbit, max_message_size, 1048576).');
    try {
      const bus = await connect({ url: RABBIT_URL, channels: { [channel]: { groups: ['g'] } } });
      try {
        const error = await caught(bus.channel(channel).publish(Buffer.alloc(2 * 1024 * 1024)));
        expect(error).toBeInstanceOf(MessageTooLargeError);
        expect(error.message).toContain('1048576');
        await bus.channel(channel).publish('small');
        // The backend learnt the broker's limit: the next oversized message is refused before sending.
        const second = await caught(bus.channel(channel).publish(Buffer.alloc(2 * 1024 * 1024)));
        expect(second).toBeInstanceOf(MessageTooLargeError);
        expect((second as MessageTooLargeError).limitBytes).toBe(1048576);
        expect(second.message).toMatch(/exceeds the rabbitmq limit of 1048576 bytes/);
      } finally {
        await bus.close();
      }
    } finally {
      rabbitmqctl('eval', 'application:set_env(rabbit, max_message_size, 134217728).');
      await deleteQueues(`${channel}:g`);
    }
  });

  it('flow control: while a memory alarm blocks publishers, publish waits (bounded) and completes once unblocked', async () => {
    const channel = unique('blocked');
    const bus = await connect({ url: RABBIT_URL, channels: { [channel]: { groups: ['g'] } }, options: { operationTimeoutMs: 1_500 } });
    try {
      await bus.channel(channel).publish('before the alarm');
      rabbitmqctl('set_vm_memory_high_watermark', '0.00001');
      const error = await caught(bus.channel(channel).publish('during the alarm'));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.retriable).toBe(true);
      expect(error.message).toMatch(/blocks publishers/);
      const waiting = bus.channel(channel).publish('waits for the alarm to clear');
      rabbitmqctl('set_vm_memory_high_watermark', '0.4');
      await waiting;
    } finally {
      rabbitmqctl('set_vm_memory_high_watermark', '0.4');
      await bus.close();
      await deleteQueues(`${channel}:g`);
    }
  });

  it('publishing while the broker is down fails with a retriable ConnectionError after operationTimeoutMs, then works again', { timeout: 120_000 }, async () => {
    const channel = unique('outage');
    const bus = await connect({ url: RABBIT_URL, channels: { [channel]: {} }, options: { operationTimeoutMs: 1_500 } });
    try {
      await rabbitStopApp({ log: () => {} });
      const started = Date.now();
      const error = await caught(bus.channel(channel).publish('during the outage'));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.retriable).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
      await rabbitStartApp({ log: () => {} });
      let published = false;
      for (let i = 0; i < 40 && !published; i++) {
        published = await bus.channel(channel).publish('after the outage').then(() => true, () => false);
      }
      expect(published).toBe(true);
    } finally {
      if (!(await rabbitProbe()).ok) await rabbitStartApp({ log: () => {} });
      await bus.close();
    }
  });
});
