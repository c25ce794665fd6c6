import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, type CapabilityName, type CapabilityReport, type Requirements, type Support } from './capabilities.js';
import { checkChannels, planChannel } from './capability-check.js';
import { CapabilityError } from './errors.js';
import type { CapabilityCatalog } from './spi.js';

// Pure planning logic: made-up catalogs with the support levels that matter here (the real ones
// live in each backend package and are compared with the memory profiles by the parity test).
const TABLE: Record<string, Partial<Record<CapabilityName, Support>>> = {
  memory: { durable: 'unsupported' },
  rabbitmq: { orderedByKey: 'emulated', delayedDelivery: 'emulated' },
  kafka: { priority: 'unsupported', requestReply: 'emulated', delayedDelivery: 'emulated', deadLetter: 'emulated', messageTtl: 'emulated' },
};

function reportOnlyBackend(name: string, conflicts?: CapabilityCatalog['channelCapabilities']): CapabilityCatalog {
  const capabilities = Object.fromEntries(
    CAPABILITY_NAMES.map((cap) => [cap, { support: TABLE[name]?.[cap] ?? 'native', detail: `${name} ${cap} detail` }]),
  ) as CapabilityReport;
  return { name, capabilities, ...(conflicts && { channelCapabilities: conflicts }) };
}

const ALL = ['memory', 'rabbitmq', 'kafka'].map((name) => reportOnlyBackend(name));

describe('capability planning', () => {
  const kafka = reportOnlyBackend('kafka');

  it('accepts native and emulated for true, only native for native', () => {
    expect(planChannel(kafka, 'rpc', { requestReply: true }).problems).toEqual([]);
    expect(planChannel(kafka, 'rpc', { requestReply: 'native' }, undefined, ALL).problems).toEqual([
      expect.objectContaining({ channel: 'rpc', capability: 'requestReply', required: 'native', support: 'emulated', satisfiedBy: ['memory', 'rabbitmq'] }),
    ]);
  });

  it("degrades a 'preferred' capability instead of failing, and says so in the plan", () => {
    const { plan, problems } = planChannel(kafka, 'orders', { priority: 'preferred', workQueue: true });
    expect(problems).toEqual([]);
    expect(plan.capabilities.priority).toMatchObject({ degraded: true, support: 'unsupported' });
    expect(plan.capabilities.workQueue).toMatchObject({ degraded: false, support: 'native' });
  });

  it('throws one CapabilityError listing every problem on every channel', () => {
    const channels: Record<string, Requirements> = {
      orders: { priority: true, delayedDelivery: 'native' },
      audit: { messageTtl: 'native', replay: 'native' },
    };
    let error: unknown;
    try {
      checkChannels(kafka, channels, {}, ALL);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CapabilityError);
    const problems = (error as CapabilityError).problems;
    expect(problems.map((p) => `${p.channel}.${p.capability}`)).toEqual(['orders.priority', 'orders.delayedDelivery', 'audit.messageTtl']);
    expect(problems[0]?.satisfiedBy).toEqual(['memory', 'rabbitmq']);
    expect((error as Error).message).toContain('channel "orders" requires it for priority, but kafka reports unsupported');
    expect((error as Error).message).toContain("'preferred'");
  });

  it('applies per-channel conflicts reported by the backend', () => {
    const rabbit = reportOnlyBackend('rabbitmq', (_channel, requires) =>
      requires.priority && requires.replay ? { replay: { support: 'unsupported', detail: 'a stream queue cannot be a priority queue' } } : {},
    );
    expect(planChannel(rabbit, 'a', { replay: true }).problems).toEqual([]);
    expect(planChannel(rabbit, 'b', { replay: true, priority: true }, undefined, ALL).problems).toEqual([
      expect.objectContaining({ capability: 'replay', reason: 'a stream queue cannot be a priority queue', satisfiedBy: ['memory', 'kafka'] }),
    ]);
  });

  it("names as satisfiedBy only the alternatives whose own per-channel rules accept the channel", () => {
    const rabbit = reportOnlyBackend('rabbitmq', (_channel, requires) =>
      requires.priority && requires.replay ? { replay: { support: 'unsupported', detail: 'a stream queue cannot be a priority queue' } } : {},
    );
    const strictKafka = reportOnlyBackend('kafka', (_channel, requires) =>
      requires.priority ? { replay: { support: 'unsupported', detail: 'not with priority' } } : {},
    );
    const throwing = { ...reportOnlyBackend('other'), channelCapabilities: () => { throw new Error('bad options'); } };
    expect(planChannel(rabbit, 'b', { replay: true, priority: true }, undefined, [ALL[0]!, strictKafka, throwing]).problems[0]?.satisfiedBy).toEqual(['memory']);
  });

  it("passes each channel's backend options to the per-channel report", () => {
    const seen: unknown[] = [];
    const rabbit = reportOnlyBackend('rabbitmq', (channel, _requires, options) => {
      seen.push([channel, options]);
      return options?.['exchangeType'] === 'topic' ? { fanout: { support: 'native', detail: 'topic: groups get what their bindings match' } } : {};
    });
    const plans = checkChannels(rabbit, { a: { fanout: true }, b: { fanout: true } }, { a: { exchangeType: 'topic' } });
    expect(plans.get('a')?.capabilities.fanout?.detail).toBe('topic: groups get what their bindings match');
    expect(plans.get('b')?.capabilities.fanout?.detail).toBe('rabbitmq fanout detail');
    expect(seen).toEqual([['a', { exchangeType: 'topic' }], ['b', undefined]]);
  });

  it('ignores capabilities declared false', () => {
    expect(planChannel(kafka, 'x', { priority: false }).problems).toEqual([]);
  });
});
