import { describe, expect, it } from 'vitest';
import { connect, NoResponderError, TimeoutError } from '@switchboard/core';
import { createManualClock } from '@switchboard/memory';
import { waitFor } from '@switchboard/testkit';

describe('memory request/reply', () => {
  it('fails at once with NoResponderError when nobody responds', async () => {
    const bus = await connect({ url: 'memory://rr-none', channels: { pricing: { requires: { requestReply: true } } } });
    const started = Date.now();
    await expect(bus.channel('pricing').request({ sku: 'A' }, { timeoutMs: 5000 })).rejects.toBeInstanceOf(NoResponderError);
    expect(Date.now() - started).toBeLessThan(1000);
    await bus.close();
  });

  it('shares requests among competing responders and returns each reply to its caller', async () => {
    const bus = await connect({ url: 'memory://rr-compete', channels: { pricing: { requires: { requestReply: true } } } });
    const served = { a: 0, b: 0 };
    const responder = (name: 'a' | 'b') => async (m: { payload: unknown }) => {
      served[name]++;
      await new Promise((resolve) => setImmediate(resolve));
      return { n: (m.payload as { n: number }).n * 2 };
    };
    await bus.channel('pricing').respond(responder('a'), { concurrency: 1 });
    await bus.channel('pricing').respond(responder('b'), { concurrency: 1 });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => bus.channel('pricing').request({ n })));
    expect(replies).toEqual(Array.from({ length: 20 }, (_, n) => ({ n: n * 2 })));
    expect(served.a).toBeGreaterThan(0);
    expect(served.b).toBeGreaterThan(0);
    await bus.close();
  });

  it('times out on the broker clock and never serves the expired request', async () => {
    const clock = createManualClock();
    const bus = await connect({ url: 'memory://rr-timeout', options: { clock }, channels: { pricing: { requires: { requestReply: true } } } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: unknown[] = [];
    await bus.channel('pricing').respond(
      async (m) => {
        handled.push(m.payload);
        await gate;
        return 'ok';
      },
      { concurrency: 1 },
    );
    const first = bus.channel('pricing').request('first', { timeoutMs: 100 });
    await waitFor(() => handled.length === 1, { message: 'first request in the responder' });
    const second = bus.channel('pricing').request('second', { timeoutMs: 100 });
    const firstResult = first.catch((e: unknown) => e);
    const secondResult = second.catch((e: unknown) => e);
    // request() reaches the broker after a few awaits in core; let them run before time moves.
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(100);
    expect(await firstResult).toBeInstanceOf(TimeoutError);
    expect(await secondResult).toBeInstanceOf(TimeoutError);
    release();
    await bus.channel('pricing').respond(async () => 'other', { concurrency: 1 });
    expect(await bus.channel('pricing').request('third', { timeoutMs: 100 })).toBeDefined();
    expect(handled).not.toContain('second');
    await bus.close();
  });
});
