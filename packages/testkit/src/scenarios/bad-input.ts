import { describe, expect, it } from 'vitest';
import { SwitchboardError, type Requirements } from '@switchboard/core';
import { Recorder } from '../recorder.js';
import type { ScenarioContext } from '../scenario-context.js';

/** What every call in the table is made on: a channel with every per-message option the backend has. */
interface Target {
  publish(payload: unknown, options?: unknown): Promise<void>;
  subscribe(group: unknown, handler: unknown, options?: unknown): Promise<{ close(): Promise<void> }>;
  request?(payload: unknown, options?: unknown): Promise<unknown>;
  respond?(handler: unknown, options?: unknown): Promise<{ close(): Promise<void> }>;
  replay?(options: unknown, handler: unknown): Promise<{ close(): Promise<void> }>;
}

interface Row {
  what: string;
  code: 'SB_CONFIG' | 'SB_CODEC';
  call(target: Target): Promise<unknown>;
  /** The capability the row needs declared; the row is skipped where the backend lacks it. */
  needs?: keyof Requirements;
}

const circular: Record<string, unknown> = {};
circular['self'] = circular;
const BAD_MS = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e300, 2 ** 31, 2 ** 40, '100'];
const noop = (): void => {};

const ROWS: Row[] = [
  ...[5, null, {}, true].map((key): Row => ({ what: `publish key ${String(key)}`, code: 'SB_CONFIG', call: (t) => t.publish({ ok: 0 }, { key }) })),
  ...[{ a: {} }, { a: undefined }, { a: null }, { a: 5 }, 'x', ['a']].map(
    (headers): Row => ({ what: `publish headers ${JSON.stringify(headers) ?? 'undefined'}`, code: 'SB_CONFIG', call: (t) => t.publish({ ok: 0 }, { headers }) }),
  ),
  ...[
    ['BigInt', 1n],
    ['circular', circular],
    ['function', noop],
    ['symbol', Symbol('s')],
    ['throwing toJSON', { toJSON: () => { throw new Error('no'); } }],
  ].map(([what, payload]): Row => ({ what: `publish payload ${String(what)}`, code: 'SB_CODEC', call: (t) => t.publish(payload) })),
  { what: 'publish options not an object', code: 'SB_CONFIG', call: (t) => t.publish({}, 'fast') },
  { what: 'publish unknown option', code: 'SB_CONFIG', call: (t) => t.publish({}, { prio: 1 }) },
  { what: 'publish empty id', code: 'SB_CONFIG', call: (t) => t.publish({}, { id: '' }) },
  { what: 'publish numeric type', code: 'SB_CONFIG', call: (t) => t.publish({}, { type: 5 }) },
  ...[-1, 1.5, Number.NaN, 11, '3'].map((priority): Row => ({ what: `priority ${String(priority)}`, code: 'SB_CONFIG', needs: 'priority', call: (t) => t.publish({}, { priority }) })),
  ...BAD_MS.map((delayMs): Row => ({ what: `delayMs ${String(delayMs)}`, code: 'SB_CONFIG', needs: 'delayedDelivery', call: (t) => t.publish({}, { delayMs }) })),
  ...[0, ...BAD_MS].map((ttlMs): Row => ({ what: `ttlMs ${String(ttlMs)}`, code: 'SB_CONFIG', needs: 'messageTtl', call: (t) => t.publish({}, { ttlMs }) })),
  ...[0, ...BAD_MS].map((timeoutMs): Row => ({ what: `request timeoutMs ${String(timeoutMs)}`, code: 'SB_CONFIG', needs: 'requestReply', call: (t) => t.request!({}, { timeoutMs }) })),
  { what: 'request key 5', code: 'SB_CONFIG', needs: 'requestReply', call: (t) => t.request!({}, { key: 5, timeoutMs: 1000 }) },
  { what: 'request unknown option', code: 'SB_CONFIG', needs: 'requestReply', call: (t) => t.request!({}, { timeout: 1000 }) },
  { what: 'respond without a handler', code: 'SB_CONFIG', needs: 'requestReply', call: (t) => t.respond!('handler') },
  ...['', 'a b', 5, 'x'.repeat(300)].map((group): Row => ({ what: `subscribe group ${JSON.stringify(group).slice(0, 20)}`, code: 'SB_CONFIG', call: (t) => t.subscribe(group, noop) })),
  { what: 'subscribe without a handler', code: 'SB_CONFIG', call: (t) => t.subscribe('g', undefined) },
  ...[0, 1.5, -1, Number.POSITIVE_INFINITY].map((concurrency): Row => ({ what: `subscribe concurrency ${concurrency}`, code: 'SB_CONFIG', call: (t) => t.subscribe('g', noop, { concurrency }) })),
  ...[-1, 2 ** 31].map((drainTimeoutMs): Row => ({ what: `subscribe drainTimeoutMs ${drainTimeoutMs}`, code: 'SB_CONFIG', call: (t) => t.subscribe('g', noop, { drainTimeoutMs }) })),
  { what: 'subscribe retry.maxAttempts 0', code: 'SB_CONFIG', call: (t) => t.subscribe('g', noop, { retry: { maxAttempts: 0 } }) },
  { what: 'subscribe retry.initialDelayMs 2^31', code: 'SB_CONFIG', call: (t) => t.subscribe('g', noop, { retry: { initialDelayMs: 2 ** 31 } }) },
  ...['nope', { position: 5 }, { timestamp: new Date('x') }, null].map(
    (from): Row => ({ what: `replay from ${JSON.stringify(from)}`, code: 'SB_CONFIG', needs: 'replay', call: (t) => t.replay!({ from }, noop) }),
  ),
];

export function badInputScenarios(ctx: ScenarioContext): void {
  describe('bad input', () => {
    it('rejects every invalid argument of every public method with a typed error, and valid traffic in the same tick is unaffected', async () => {
      // One channel per capability: some backends refuse certain capabilities together on one channel.
      const names: Record<string, string> = { base: ctx.unique('bad') };
      const channels: Record<string, { requires: Requirements }> = { [names['base'] as string]: { requires: {} } };
      for (const capability of ['priority', 'delayedDelivery', 'messageTtl', 'requestReply', 'replay'] as const) {
        if (!ctx.supports(capability)) continue;
        names[capability] = ctx.unique(`bad-${capability}`);
        channels[names[capability] as string] = { requires: { [capability]: true } };
      }
      const bus = await ctx.connect(channels);
      const rows = ROWS.filter((row) => row.needs === undefined || names[row.needs] !== undefined);
      const good = new Recorder();
      const used = new Set(rows.map((row) => names[row.needs ?? 'base'] as string));
      for (const name of used) await bus.channel(name).subscribe('good', good.handler);
      const wrong: string[] = [];
      for (const [index, row] of rows.entries()) {
        const channel = bus.channel(names[row.needs ?? 'base'] as string) as unknown as Target;
        // The bad call and a valid publish in the same tick: they would share a publish batch.
        const [bad, valid] = await Promise.allSettled([Promise.resolve().then(() => row.call(channel)), channel.publish({ ok: index })]);
        if (bad.status === 'fulfilled') wrong.push(`${row.what}: resolved`);
        else if (!SwitchboardError.is(bad.reason) || bad.reason.code !== row.code) wrong.push(`${row.what}: ${String(bad.reason)}`);
        if (valid.status === 'rejected') wrong.push(`${row.what}: the valid publish beside it failed: ${String(valid.reason)}`);
      }
      expect(wrong).toEqual([]);
      await good.waitForCount(rows.length, { timeoutMs: ctx.deliveryTimeoutMs });
      expect(new Set(good.payloads.map((p) => (p as { ok: number }).ok)).size).toBe(rows.length);
    });

    it('refuses a URL whose password is not URL-encoded without printing the password', async () => {
      const scheme = ctx.target.url.slice(0, ctx.target.url.indexOf('://'));
      const error = await ctx.connect({}, { url: `${scheme}://app:pa/ss@w0rd@127.0.0.1:1` }).catch((e: unknown) => e);
      expect(SwitchboardError.is(error) && error.code).toBe('SB_CONFIG');
      expect(String((error as Error).message)).not.toMatch(/pa\/ss|w0rd/);
    });
  });
}
