import { describe, expect, it } from 'vitest';
import { CapabilityError, ConfigError, connect, KNOWN_SUPPORT, MessageTooLargeError, CAPABILITY_NAMES } from '@switchboard/core';
import { backendFactory, createManualClock, createMemoryBackend } from '@switchboard/memory';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const reportOf = (url: string, options: Record<string, unknown> = {}) => backendFactory.create({ url, options, logger: silent }).capabilities;

describe('memory capability report and profiles', () => {
  it('reports every capability native except durable', () => {
    const report = reportOf('memory://');
    for (const name of CAPABILITY_NAMES) expect(report[name].support).toBe(name === 'durable' ? 'unsupported' : 'native');
    expect(report.durable.detail).toBe("In-process: messages live in this process's memory and vanish when it exits.");
  });

  it.each(['kafka', 'rabbitmq'] as const)('profile %s reports exactly that backend’s support levels, saying it mimics', (profile) => {
    for (const report of [reportOf(`memory://?profile=${profile}`), reportOf('memory://', { profile })]) {
      for (const name of CAPABILITY_NAMES) {
        expect(report[name].support).toBe(KNOWN_SUPPORT[profile][name]);
        expect(report[name].detail).toContain(`Memory backend mimicking ${profile}`);
      }
    }
  });

  it('refuses through connect() what the profile’s backend lacks, with one CapabilityError', async () => {
    const error = await connect({
      url: 'memory://?profile=kafka',
      channels: { orders: { requires: { priority: true, delayedDelivery: 'native' } }, cache: { requires: { messageTtl: 'native' } } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    const problems = (error as CapabilityError).problems;
    expect(problems.map((p) => `${p.channel}.${p.capability}`)).toEqual(['orders.priority', 'orders.delayedDelivery', 'cache.messageTtl']);
    expect(problems[0]?.reason).toMatch(/mimicking kafka, which lacks it: a Kafka partition is an append-only log/);
    expect(problems[0]?.satisfiedBy).toContain('rabbitmq');
  });

  it('refuses native delayedDelivery under the rabbitmq profile (emulated there)', async () => {
    await expect(connect({ url: 'memory://?profile=rabbitmq', channels: { later: { requires: { delayedDelivery: 'native' } } } })).rejects.toBeInstanceOf(CapabilityError);
  });

  it('mimics the rabbitmq conflict: replay (stream queue) and priority on one channel', async () => {
    const error = await connect({ url: 'memory://?profile=rabbitmq', channels: { mixed: { requires: { replay: true, priority: true } } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as CapabilityError).problems.map((p) => p.capability)).toEqual(['priority']);
    const plain = await connect({ url: 'memory://', channels: { mixed: { requires: { replay: true, priority: true } } } });
    await plain.close();
  });

  it('degrades a preferred capability the profile lacks and records it', async () => {
    const bus = await connect({ url: 'memory://?profile=kafka', channels: { jobs: { requires: { priority: 'preferred' }, groups: ['g'] } } });
    expect(bus.report().degraded).toEqual([expect.objectContaining({ channel: 'jobs', capability: 'priority' })]);
    await bus.channel('jobs').publish('x', { priority: 3 });
    await bus.close();
  });

  it('applies the profile’s message size limit (Kafka 1 MiB)', async () => {
    const bus = await connect({ url: 'memory://?profile=kafka', channels: { big: {} } });
    await expect(bus.channel('big').publish(Buffer.alloc(2 * 1024 * 1024))).rejects.toBeInstanceOf(MessageTooLargeError);
    await bus.close();
  });
});

describe('memory configuration errors', () => {
  it('names the valid profiles for an unknown one', () => {
    expect(() => reportOf('memory://?profile=nats')).toThrow(ConfigError);
    expect(() => reportOf('memory://', { profile: 'nats' })).toThrow(/unknown profile "nats"; valid profiles: rabbitmq, kafka/);
  });

  it('rejects unknown query parameters and options', () => {
    expect(() => reportOf('memory://?retension=5')).toThrow(/Unknown query parameter "retension".*valid: profile, retention, maxMessageBytes/);
    expect(() => reportOf('memory://', { retension: 5 })).toThrow(ConfigError);
    expect(() => reportOf('memory://', { retention: -1 })).toThrow(/retention/);
    expect(() => reportOf('memory://?retention=lots')).toThrow(/retention/);
  });

  it('rejects a url with a path or credentials, and conflicting url and options', () => {
    expect(() => reportOf('memory://a/b')).toThrow(ConfigError);
    expect(() => reportOf('memory://user:secret@x')).toThrow(ConfigError);
    expect(() => reportOf('memory://user:secret@x')).not.toThrow(/secret/);
    expect(() => reportOf('memory://?profile=kafka', { profile: 'rabbitmq' })).toThrow(/both in the url/);
  });

  it('createMemoryBackend works with connect({ backend })', async () => {
    const clock = createManualClock();
    const bus = await connect({ url: 'memory://', backend: createMemoryBackend({ url: 'memory://explicit', options: { clock } }) });
    expect(bus.capabilities.priority.support).toBe('native');
    await bus.close();
  });
});
