import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { ConfigError, ConnectionError, MessageTooLargeError, connect, type Logger } from '@switchboard/core';
import { createKafkaBackend, DEFAULT_MAX_MESSAGE_BYTES } from '@switchboard/kafka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeWithBroker, FAST_GROUPS, KAFKA_URL } from './kafka-env.js';

const unique = (prefix: string): string => `sbk-${prefix}-${randomBytes(4).toString('hex')}`;

function recordingLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
  vi.restoreAllMocks();
});

describe('kafka unreachable', () => {
  it('fails with ConnectionError in bounded time when no broker listens', async () => {
    const started = Date.now();
    const error = await connect({ url: 'kafka://127.0.0.1:1', options: { connectTimeoutMs: 3000 } }).catch((e: unknown) => e);
    const took = Date.now() - started;
    console.log(`unreachable (connection refused): ${(error as Error).constructor.name} after ${took} ms`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retriable).toBe(true);
    expect(took).toBeLessThan(4500);
  });

  it('fails with ConnectionError within its stated budget when a listener accepts TCP but never answers', async () => {
    // A loopback listener that accepts connections and stays silent: a wrong port, a TLS or SASL mismatch.
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const error = await connect({ url: `kafka://127.0.0.1:${port}`, options: { connectTimeoutMs: 2000, connectAttemptTimeoutMs: 500 } }).catch((e: unknown) => e);
      const took = Date.now() - started;
      console.log(`silent listener: ${(error as Error).constructor.name} after ${took} ms: ${(error as Error).message}`);
      expect(error).toBeInstanceOf(ConnectionError);
      // The message names the budget it was given, and that is when it failed.
      const stated = Number(/within (\d+) ms/.exec((error as Error).message)?.[1]);
      expect(stated).toBeGreaterThan(0);
      expect(took).toBeLessThan(stated + 1000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describeWithBroker('kafka bad input', () => {
  it('rejects unknown or inconsistent options with a ConfigError naming the field', async () => {
    await expect(connect({ url: KAFKA_URL, options: { partitons: 3 } })).rejects.toThrow(/partitons/);
    await expect(connect({ url: KAFKA_URL, options: { sessionTimeoutMs: 1000, heartbeatIntervalMs: 2000 } })).rejects.toThrow(/heartbeatIntervalMs/);
    await expect(connect({ url: 'kafka://' })).rejects.toBeInstanceOf(ConfigError);
    await expect(connect({ url: `${KAFKA_URL}?compression=zstd` })).rejects.toThrow(/compression/);
  });

  it('refuses invalid topic names with ConfigError (core, the backend, and the broker itself)', async () => {
    await expect(connect({ url: KAFKA_URL, channels: { 'bad name!': {} } })).rejects.toBeInstanceOf(ConfigError);
    const backend = createKafkaBackend({ url: KAFKA_URL, options: {}, logger: recordingLogger() });
    opened.push(backend);
    await backend.connect();
    const setup = { requires: {}, groups: [], options: {} };
    await expect(backend.ensureChannel({ ...setup, name: 'x'.repeat(250) })).rejects.toBeInstanceOf(ConfigError);
    // Kafka refuses a topic whose name differs from an existing one only by '.' versus '_'.
    const dotted = `${unique('collide')}.a`;
    await backend.ensureChannel({ ...setup, name: dotted });
    const error = await backend.ensureChannel({ ...setup, name: dotted.replace(/\.a$/, '_a') }).catch((e: unknown) => e);
    console.log(`colliding topic name: ${(error as Error).message}`);
    expect(error).toBeInstanceOf(ConfigError);
  });

  it('refuses a message over the size limit up front, naming the limit', async () => {
    const ch = unique('big');
    const bus = await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels: { [ch]: {} } });
    opened.push(bus);
    const error = await bus.channel(ch).publish(Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES + 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).limitBytes).toBe(DEFAULT_MAX_MESSAGE_BYTES);
    expect((error as Error).message).toContain(String(DEFAULT_MAX_MESSAGE_BYTES));
    await bus.channel(ch).publish(Buffer.alloc(DEFAULT_MAX_MESSAGE_BYTES - 1024));
  });

  it("translates the broker's MESSAGE_TOO_LARGE when the option allows more than the topic does", async () => {
    const ch = unique('bigger');
    const bus = await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS, maxMessageBytes: 4_000_000 }, channels: { [ch]: {} } });
    opened.push(bus);
    const error = await bus.channel(ch).publish(Buffer.alloc(2_000_000)).catch((e: unknown) => e);
    console.log(`broker-side limit: ${(error as Error).message}`);
    expect(error).toBeInstanceOf(MessageTooLargeError);
    expect((error as MessageTooLargeError).limitBytes).toBe(1_048_588);
    // The publisher recovers: the next normal message goes through.
    await bus.channel(ch).publish({ ok: true });
  });

  it('logs through the bus logger only, with no kafkajs partitioner warning', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
    const logger = recordingLogger();
    const ch = unique('quiet');
    const bus = await connect({ url: KAFKA_URL, logger, options: { ...FAST_GROUPS, clientLogLevel: 'info' }, channels: { [ch]: {} } });
    opened.push(bus);
    let got = 0;
    await bus.channel(ch).subscribe('g', () => void got++);
    await bus.channel(ch).publish('x');
    await vi.waitFor(() => expect(got).toBe(1), { timeout: 15_000 });
    await bus.close();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.filter((l) => /partitioner/i.test(l.message))).toEqual([]);
    expect(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });
});
