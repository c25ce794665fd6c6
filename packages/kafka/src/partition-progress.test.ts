import { describe, expect, it } from 'vitest';
import { PartitionProgress } from './partition-progress.js';

describe('PartitionProgress', () => {
  it('commits only up to the first unfinished offset, however far hand-out moved past it', () => {
    const p = new PartitionProgress();
    expect(p.commitPoint).toBeUndefined();
    for (let o = 10; o < 1000; o++) p.dispatch(o);
    for (let o = 11; o < 1000; o++) p.complete(o);
    expect(p.commitPoint).toBe(10);
    expect(p.pending).toBe(1);
    p.complete(10);
    expect(p.commitPoint).toBe(1000);
    expect(p.pending).toBe(0);
  });

  it('knows re-fetched offsets and ignores repeated or late completions', () => {
    const p = new PartitionProgress();
    p.dispatch(5);
    p.dispatch(7);
    expect(p.seen(6)).toBe(true);
    expect(p.seen(8)).toBe(false);
    p.complete(7);
    p.complete(7);
    expect(p.commitPoint).toBe(5);
  });
});
