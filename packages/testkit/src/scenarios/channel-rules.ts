import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, CapabilityError, planChannel, type CapabilityName, type Requirements } from '@switchboard/core';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

interface PairPlan {
  pair: [CapabilityName, CapabilityName];
  requires: Requirements;
  refused: CapabilityName[];
  /** Accepted, but a per-channel rule changed what one of the two means on this channel. */
  changed: boolean;
}

/** Every pair of capabilities the backend offers alone, planned together on one channel by its catalog. */
function planPairs(ctx: ScenarioContext): PairPlan[] {
  const offered = CAPABILITY_NAMES.filter((name) => ctx.supports(name));
  const plans: PairPlan[] = [];
  for (const [i, a] of offered.entries()) {
    for (const b of offered.slice(i + 1)) {
      const requires: Requirements = { [a]: true, [b]: true };
      const { plan, problems } = planChannel(ctx.catalog, 'pair', requires);
      const changed = [a, b].some((name) => plan.capabilities[name]?.detail !== ctx.report[name].detail);
      plans.push({ pair: [a, b], requires, refused: problems.map((p) => p.capability as CapabilityName), changed });
    }
  }
  return plans;
}

/**
 * Per-channel rules: two capabilities a backend offers may not hold together on one channel.
 * Whatever the backend's catalog refuses together, connect() refuses on the real backend, before
 * any traffic; whatever it accepts, the backend declares and carries.
 */
export function channelRuleScenarios(ctx: ScenarioContext): void {
  const plans = planPairs(ctx);
  const refused = plans.filter((p) => p.refused.length > 0);
  const accepted = plans.filter((p) => p.refused.length === 0);

  describe('per-channel rules', () => {
    for (const { pair, requires, refused: names } of refused) {
      it(`refuses ${pair.join(' + ')} on one channel at connect, naming ${names.join(', ')}`, async () => {
        const ch = ctx.unique(`rule-${pair.join('-')}`);
        const error = await ctx.connect({ [ch]: { requires } }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CapabilityError);
        expect((error as CapabilityError).problems.map((p) => p.capability)).toEqual(names);
        expect((error as CapabilityError).problems.every((p) => p.channel === ch && p.support === 'unsupported')).toBe(true);
      });
    }

    if (accepted.length > 0) {
      it(`accepts the other ${accepted.length} pairs, each declared on its own channel of one bus`, async () => {
        const bus = await ctx.connect({});
        for (const { pair, requires } of accepted) {
          const ch = ctx.unique(`pair-${pair.join('-')}`);
          expect(() => bus.channel(ch, { requires } as never), pair.join(' + ')).not.toThrow();
          expect(Object.keys(bus.report().channels[ch] ?? {}).sort()).toEqual([...pair].sort());
        }
      });
    }

    for (const { pair, requires } of accepted.filter((p) => p.changed)) {
      it(`carries messages on a channel declaring ${pair.join(' + ')} (a per-channel rule changes its report)`, async () => {
        const ch = ctx.unique(`changed-${pair.join('-')}`);
        const bus = await ctx.connect({ [ch]: { requires, groups: ['g'] } });
        const channel = bus.channel(ch) as unknown as { publish(p: unknown): Promise<void>; subscribe(g: string, h: unknown): Promise<unknown> };
        const recorder = new Recorder<string>();
        await channel.subscribe('g', recorder.handler);
        await Promise.all(['one', 'two', 'three'].map((payload) => channel.publish(payload)));
        await recorder.waitForCount(3, { timeoutMs: ctx.deliveryTimeoutMs });
        expect([...recorder.payloads].sort()).toEqual(['one', 'three', 'two']);
      });
    }
  });
}
