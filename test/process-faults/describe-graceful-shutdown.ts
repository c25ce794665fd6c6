import { connect, type Bus } from '@switchboard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildApp } from './child-process.js';

export interface GracefulShutdownTarget {
  name: string;
  url: string;
  /** Options for the test's own (publishing) bus. */
  options?: Record<string, unknown>;
  unique(prefix: string): string;
  /** Removes what the test created on the broker. */
  cleanup?(channel: string): Promise<void>;
}

const TOTAL = 400;

const numbers = (app: ChildApp, what: 'started' | 'handled'): number[] => app.events.filter((e) => typeof e[what] === 'number').map((e) => e[what] as number);

/**
 * A consuming process SIGTERMed mid-batch, shut down by closeOnSignals(): it finishes what it
 * started, acks/commits it and exits 0 within the bound; a second worker then handles the rest.
 * Nothing is lost; what was handled twice is counted (and bounded by what was in flight).
 */
export function describeGracefulShutdown(target: GracefulShutdownTarget): void {
  describe(`${target.name} graceful shutdown`, () => {
    const children: ChildApp[] = [];
    afterEach(() => {
      for (const c of children.splice(0)) if (c.exit === undefined) c.kill('SIGKILL');
    });

    it('a worker SIGTERMed mid-batch finishes and acks what it started, exits 0 in time; the next worker handles the rest: nothing lost', { timeout: 150_000 }, async () => {
      const channel = target.unique('graceful');
      const bus = (await connect({ url: target.url, options: target.options ?? {}, channels: { [channel]: { groups: ['w'] } } })) as unknown as Bus<never>;
      try {
        const ch = bus.channel(channel) as unknown as { publish(p: unknown): Promise<void> };
        await Promise.all(Array.from({ length: TOTAL }, (_, n) => ch.publish({ n })));
        const env = { URL: target.url, CHANNEL: channel, HANDLER_MS: '50' };
        const first = startChild('graceful', env);
        children.push(first);
        await first.waitFor((e) => e['ready'] === true, 60_000, 'first worker subscribed');
        await first.waitFor(() => numbers(first, 'handled').length >= 40, 60_000, '40 messages handled');
        const signalled = Date.now();
        first.kill('SIGTERM');
        expect(await first.exited(30_000)).toBe(0);
        const shutdownMs = Date.now() - signalled;
        const started = new Set(numbers(first, 'started'));
        const handledFirst = numbers(first, 'handled');
        // Mid-batch: more work was left than done, and everything started was finished before the exit.
        expect(handledFirst.length).toBeLessThan(TOTAL);
        expect([...started].filter((n) => !handledFirst.includes(n))).toEqual([]);

        const second = startChild('graceful', env);
        children.push(second);
        const all = (): Set<number> => new Set([...handledFirst, ...numbers(second, 'handled')]);
        await second.waitFor(() => (all().size === TOTAL ? true : undefined) as never, 120_000, `all ${TOTAL} messages handled`);
        second.kill('SIGTERM');
        expect(await second.exited(30_000)).toBe(0);

        const handledSecond = numbers(second, 'handled');
        const duplicates = handledFirst.filter((n) => handledSecond.includes(n)).length + (handledFirst.length - new Set(handledFirst).size) + (handledSecond.length - new Set(handledSecond).size);
        // At least once: a redelivery after the shutdown would be a duplicate, never a loss. Acked on close, none is expected.
        console.info(`${target.name} graceful shutdown: first worker handled ${handledFirst.length}, closed in ${shutdownMs} ms; second handled ${handledSecond.length}; duplicates ${duplicates}; lost 0`);
        expect(all().size).toBe(TOTAL);
        expect(duplicates).toBeLessThanOrEqual(8);
      } finally {
        await bus.close();
        await target.cleanup?.(channel);
      }
    });
  });
}
