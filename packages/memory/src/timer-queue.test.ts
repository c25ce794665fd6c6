import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { TimerQueue, type TimedEntry } from './timer-queue.js';

describe('TimerQueue', () => {
  it('fires entries in deadline order (ties in arrival order) with a single clock timer', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const q = new TimerQueue<TimedEntry & { name: string }>(clock, (e) => fired.push(e.name));
    for (const [name, dueAt] of [['c', 30], ['a', 10], ['b', 10], ['d', 20]] as const) q.add({ dueAt, order: q.nextOrder(), name });
    expect(clock.pendingTimers).toBe(1);
    clock.advance(9);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['a', 'b']);
    clock.advance(20);
    expect(fired).toEqual(['a', 'b', 'd', 'c']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clear() cancels everything', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    const q = new TimerQueue<TimedEntry>(clock, (e) => fired.push(e.dueAt));
    q.add({ dueAt: 5, order: 0 });
    q.clear();
    clock.advance(10);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});
