/**
 * Time source of a memory broker. Delays, TTLs, request timeouts and replay timestamps all read
 * it, so tests can inject a {@link ManualClock} and step time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since epoch. */
  now(): number;
  /** Calls `callback` once `ms` have passed on this clock; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer that has not fired. */
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time and Node timers. Timers stay referenced: a pending delayed message is pending work. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
});

interface ManualTimer {
  at: number;
  order: number;
  callback: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires every timer that falls due, in due
 * order, with `now()` set to each timer's due time while it runs.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: ManualTimer[] = [];
  private order = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Fires `callback` when {@link ManualClock.advance} reaches `ms` from now. */
  setTimeout(callback: () => void, ms: number): unknown {
    const timer: ManualTimer = { at: this.current + Math.max(0, ms), order: this.order++, callback };
    this.timers.push(timer);
    return timer;
  }

  /** Cancels a timer that has not fired. */
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers (including ones they schedule) on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.order < next.order))) next = t;
      }
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.callback();
    }
    this.current = target;
  }
}

/** A fresh manual clock starting at `start` ms since epoch (default: now). */
export function createManualClock(start: number = Date.now()): ManualClock {
  return new ManualClock(start);
}
