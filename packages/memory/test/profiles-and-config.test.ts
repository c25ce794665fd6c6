import { describe, expect, it } from 'vitest';
import { CapabilityError, ConfigError, connect, MessageTooLargeError, CAPABILITY_NAMES } from '@switchboard/core';
import { backendFactory, createManualClock, createMemoryBackend } from '@switchboard/memory';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const reportOf = (url: string, options: Record<string, unknown> = {}) => backendFactory.create({ url, options, logger: silent }).capabilities;

describe('memory capability report and profiles', () => {
  it('reports every capability native except durable', () => {
    const report = reportOf('memory://');
    for (const name of CAPABILITY_NAMES) expect(report[name].support).toBe(name === 'durable' ? 'unsupported' : 'native');
    expect(report.durable.detail).toBe("In-process: messages live in this process's memory and vanish when it exits.");
  });

  it.each(['kafka', 'rabbitmq'] as const)('profile %s reports exactly that backend’s catalog (durable says this broker keeps nothing)', async (profile) => {
    const real = (await import(`@switchboard/${profile}/catalog`)) as { capabilityCatalog: { capabilities: Record<string, { support: string; detail: string }> } };
    for (const report of [reportOf(`memory://?profile=${profile}`), reportOf('memory://', { profile })]) {
      for (const name of CAPABILITY_NAMES) {
        expect(report[name].support).toBe(real.capabilityCatalog.capabilities[name]?.support);
        if (name !== 'durable') expect(report[name]).toEqual(real.capabilityCatalog.capabilities[name]);
      }
      expect(report.durable.detail).toContain('this memory broker itself keeps nothing past the process');
    }
  });

  it('refuses through connect() what the profile’s backend lacks, with one CapabilityError', async () => {
    const error = await connect({
      url: 'memory://?profile=kafka',
      channels: { rpc: { requires: { requestReply: 'native', delayedDelivery: 'native' } }, cache: { requires: { messageTtl: 'native' } } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    const problems = (error as CapabilityError).problems;
    expect(problems.map((p) => `${p.channel}.${p.capability}`)).toEqual(['rpc.requestReply', 'rpc.delayedDelivery', 'cache.messageTtl']);
    expect(problems[0]?.reason).toMatch(/reply topic/);
    expect(problems[0]?.satisfiedBy).toEqual(['rabbitmq']);
  });

  it('refuses native delayedDelivery under the rabbitmq profile (emulated there)', async () => {
    await expect(connect({ url: 'memory://?profile=rabbitmq', channels: { later: { requires: { delayedDelivery: 'native' } } } })).rejects.toBeInstanceOf(CapabilityError);
  });

  it('applies the rabbitmq per-channel rules: workQueue refused beside orderedByKey, replay with priority accepted', async () => {
    const error = await connect({ url: 'memory://?profile=rabbitmq', channels: { jobs: { requires: { workQueue: true, orderedByKey: true } } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as CapabilityError).problems).toEqual([expect.objectContaining({ capability: 'workQueue', support: 'unsupported', satisfiedBy: ['kafka'] })]);
    const mixed = await connect({ url: 'memory://?profile=rabbitmq', channels: { mixed: { requires: { replay: true, priority: true } } } });
    expect(mixed.report().channels['mixed']?.replay?.detail).toMatch(/publish order/);
    await mixed.close();
  });

  it('degrades a preferred capability the profile lacks and records it', async () => {
    const bus = await connect({ url: 'memory://?profile=kafka', channels: { jobs: { requires: { durable: 'preferred' } } } });
    expect(bus.report().degraded).toEqual([]);
    await bus.close();
    const plain = await connect({ url: 'memory://', channels: { jobs: { requires: { durable: 'preferred' } } } });
    expect(plain.report().degraded).toEqual([expect.objectContaining({ channel: 'jobs', capability: 'durable' })]);
    await plain.close();
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
