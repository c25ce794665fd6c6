import { describe, expect, it } from 'vitest';
import { Dispatcher } from './dispatcher.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Dispatcher', () => {
  it('keeps per-key order while running different keys in parallel', async () => {
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const dispatcher = new Dispatcher<{ key: string; i: number }>(async (item) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick((item.i * 3) % 5);
      order.push(`${item.key}${item.i}`);
      running--;
    }, 4, true);
    for (let i = 0; i < 10; i++) for (const key of ['a', 'b', 'c']) void dispatcher.push({ key, i });
    expect(await dispatcher.drain(5_000)).toBe(true);
    for (const key of ['a', 'b', 'c']) {
      expect(order.filter((o) => o.startsWith(key))).toEqual(Array.from({ length: 10 }, (_, i) => `${key}${i}`));
    }
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(4);
  });

  it('pushes back once the high-water mark of unfinished work is reached', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const dispatcher = new Dispatcher<{ key?: string }>(() => gate, 1, false);
    const results = Array.from({ length: 40 }, () => dispatcher.push({}));
    expect(results.slice(0, 31).every((r) => r === undefined)).toBe(true);
    expect(results[31]).toBeInstanceOf(Promise);
    expect(await dispatcher.drain(20)).toBe(false);
    release();
    await results[39];
    expect(await dispatcher.drain(5_000)).toBe(true);
  });
});

describe('Dispatcher with handlers that finish synchronously', () => {
  it('frees the slot at once and keeps per-key order when sync and async runs mix', async () => {
    const order: string[] = [];
    const dispatcher = new Dispatcher<{ key: string; i: number }>(
      (item) => {
        order.push(`${item.key}${item.i}`);
        // Every third item is asynchronous: the key's later items must wait for it.
        return item.i % 3 === 0 ? tick(1).then(() => undefined) : undefined;
      },
      2,
      true,
    );
    for (let i = 0; i < 12; i++) for (const key of ['a', 'b']) expect(dispatcher.push({ key, i })).toBeUndefined();
    expect(await dispatcher.drain(5_000)).toBe(true);
    expect(dispatcher.inFlight).toBe(0);
    for (const key of ['a', 'b']) expect(order.filter((o) => o.startsWith(key))).toEqual(Array.from({ length: 12 }, (_, i) => `${key}${i}`));
  });
});
