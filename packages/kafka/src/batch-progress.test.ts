import { describe, expect, it } from 'vitest';
import { BatchProgress } from './batch-progress.js';

describe('BatchProgress', () => {
  it('resolves only up to the lowest unfinished message', () => {
    const p = new BatchProgress(['10', '11', '13', '14']);
    const [a, b, c, d] = [p.dispatch(), p.dispatch(), p.dispatch(), p.dispatch()];
    expect(p.complete(b)).toBeUndefined();
    expect(p.complete(d)).toBeUndefined();
    expect(p.resolvedOffset).toBeUndefined();
    expect(p.complete(a)).toBe('11');
    expect(p.pending).toBe(1);
    expect(p.complete(c)).toBe('14');
    expect(p.pending).toBe(0);
  });

  it('ignores duplicate and unknown completions', () => {
    const p = new BatchProgress(['0', '1']);
    const a = p.dispatch();
    expect(p.complete(a)).toBe('0');
    expect(p.complete(a)).toBeUndefined();
    expect(p.complete(1)).toBeUndefined();
    expect(p.pending).toBe(0);
  });

  it('settled() waits for every dispatched message and honours its timeout', async () => {
    const p = new BatchProgress(['0', '1']);
    const a = p.dispatch();
    p.dispatch();
    expect(await p.settled(5)).toBe(false);
    const waiting = p.settled(10_000);
    p.complete(a);
    p.complete(1);
    expect(await waiting).toBe(true);
  });
});
