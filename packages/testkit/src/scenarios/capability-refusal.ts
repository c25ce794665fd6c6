import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, CapabilityError, type CapabilityName } from '@switchboard/core';
import type { ScenarioContext } from '../scenario-context.js';

export function capabilityRefusalScenarios(ctx: ScenarioContext): void {
  const unsupported = CAPABILITY_NAMES.filter((name) => ctx.report[name].support === 'unsupported');
  const emulated = CAPABILITY_NAMES.filter((name) => ctx.report[name].support === 'emulated');

  describe('capability refusal', () => {
    it('reports all ten capabilities with a support level and a detail', () => {
      for (const name of CAPABILITY_NAMES) {
        expect(['native', 'emulated', 'unsupported']).toContain(ctx.report[name].support);
        expect(ctx.report[name].detail.length).toBeGreaterThan(10);
      }
    });

    for (const capability of unsupported) {
      it(`refuses ${capability} (unsupported) before any traffic, naming who satisfies it`, async () => {
        const ch = ctx.unique(`refuse-${capability}`);
        const error = await ctx.connect({ [ch]: { requires: { [capability]: true } } }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CapabilityError);
        const problems = (error as CapabilityError).problems;
        expect(problems).toEqual([expect.objectContaining({ channel: ch, capability, support: 'unsupported', required: true })]);
        expect(problems[0]?.satisfiedBy.length).toBeGreaterThan(0);
        expect((error as Error).message).toContain(capability);
      });

      it(`runs without ${capability} when it is only 'preferred', recording the degradation`, async () => {
        const ch = ctx.unique(`prefer-${capability}`);
        const bus = await ctx.connect({ [ch]: { requires: { [capability]: 'preferred' } } });
        expect(bus.report().degraded).toEqual([expect.objectContaining({ channel: ch, capability })]);
      });
    }

    for (const capability of emulated) {
      it(`refuses ${capability} (emulated) when 'native' is required`, async () => {
        const ch = ctx.unique(`native-${capability}`);
        const error = await ctx.connect({ [ch]: { requires: { [capability]: 'native' } } }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CapabilityError);
        expect((error as CapabilityError).problems[0]).toMatchObject({ capability, support: 'emulated', required: 'native' });
      });
    }

    if (unsupported.length > 0) {
      it('lists every problem on every channel in one CapabilityError', async () => {
        const a = ctx.unique('many-a');
        const b = ctx.unique('many-b');
        const requires = Object.fromEntries(unsupported.map((name) => [name, true])) as Record<CapabilityName, true>;
        const error = await ctx.connect({ [a]: { requires }, [b]: { requires } }).catch((e: unknown) => e);
        expect((error as CapabilityError).problems).toHaveLength(unsupported.length * 2);
      });
    }

    it('refuses, at run time, options and methods the channel did not declare', async () => {
      const ch = ctx.unique('undeclared');
      const bus = await ctx.connect({ [ch]: {} });
      // Bypasses the types on purpose, as a JavaScript caller would.
      const channel = bus.channel(ch) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      await expect(channel['publish']!('x', { priority: 5 })).rejects.toThrow(/priority used on channel .* but not declared/);
      await expect(channel['publish']!('x', { delayMs: 5 })).rejects.toBeInstanceOf(CapabilityError);
      await expect(channel['publish']!('x', { ttlMs: 5 })).rejects.toBeInstanceOf(CapabilityError);
      await expect(channel['request']!('x')).rejects.toBeInstanceOf(CapabilityError);
      await expect(channel['replay']!({ from: 'earliest' }, () => {})).rejects.toBeInstanceOf(CapabilityError);
    });
  });
}
