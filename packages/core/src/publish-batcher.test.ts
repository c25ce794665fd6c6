import { describe, expect, it } from 'vitest';
import { SwitchboardError } from './errors.js';
import { PublishBatcher } from './publish-batcher.js';
import type { WireMessage } from './spi.js';

const msg = (n: number): WireMessage => ({ body: Buffer.alloc(n), headers: {}, id: String(n), timestamp: 0 });

describe('PublishBatcher', () => {
  it('sends publishes made in the same tick as one batch', async () => {
    const batches: number[] = [];
    const batcher = new PublishBatcher(async (messages) => void batches.push(messages.length), 1000, 'c');
    await Promise.all(Array.from({ length: 2500 }, () => batcher.add(msg(1))));
    expect(batches).toEqual([1000, 1000, 500]);
  });

  it('fails every publish of a failed batch', async () => {
    const batcher = new PublishBatcher(async () => {
      throw new Error('nack');
    }, 1000, 'c');
    const results = await Promise.allSettled([batcher.add(msg(1)), batcher.add(msg(1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('turns a backend that throws synchronously into a rejection of that batch only', async () => {
    const batcher = new PublishBatcher(() => {
      throw new TypeError('sync');
    }, 1000, 'c');
    await expect(batcher.add(msg(1))).rejects.toThrow('sync');
  });

  it('rejects a batch the backend never confirms after the deadline, with a retriable TimeoutError', async () => {
    const batcher = new PublishBatcher(() => new Promise<void>(() => {}), 30, 'orders');
    const error = await batcher.add(msg(1)).catch((e: unknown) => e);
    expect(SwitchboardError.is(error) && error.code).toBe('SB_TIMEOUT');
    expect((error as SwitchboardError).retriable).toBe(true);
    await batcher.idle();
  });

  it('idle() waits for issued publishes, including one waiting for its channel', async () => {
    let release!: () => void;
    const sent: string[] = [];
    const batcher = new PublishBatcher(async (messages) => void sent.push(...messages.map((m) => m.id)), 1000, 'c');
    void batcher.afterReady(new Promise<void>((r) => (release = r)), msg(7));
    const idle = batcher.idle();
    setTimeout(release, 10);
    await idle;
    expect(sent).toEqual(['7']);
  });
});
