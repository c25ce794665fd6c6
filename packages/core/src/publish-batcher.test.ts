import { describe, expect, it } from 'vitest';
import { PublishBatcher } from './publish-batcher.js';
import type { WireMessage } from './spi.js';

const msg = (n: number): WireMessage => ({ body: Buffer.alloc(n), headers: {}, id: String(n), timestamp: 0 });

describe('PublishBatcher', () => {
  it('sends publishes made in the same tick as one batch', async () => {
    const batches: number[] = [];
    const batcher = new PublishBatcher(async (messages) => void batches.push(messages.length));
    await Promise.all(Array.from({ length: 2500 }, () => batcher.add(msg(1))));
    expect(batches).toEqual([1000, 1000, 500]);
  });

  it('fails every publish of a failed batch', async () => {
    const batcher = new PublishBatcher(async () => {
      throw new Error('nack');
    });
    const results = await Promise.allSettled([batcher.add(msg(1)), batcher.add(msg(1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
