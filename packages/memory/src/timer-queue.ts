import type { Clock } from './clock.js';

/** Something due at a broker time; `order` breaks ties so equal deadlines keep arrival order. */
export interface TimedEntry {
  dueAt: number;
  order: number;
}

/**
 * Min-heap of deadlines behind a single clock timer: a million delayed messages cost one timer,
 * not a million. Entries fire no earlier than their deadline by `clock.now()`.
 */
export class TimerQueue<E extends TimedEntry> {
  private readonly heap: E[] = [];
  private timer: unknown;
  private armedFor = Infinity;
  private order = 0;
  private readonly fire = (): void => this.onTimer();

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (entry: E) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Next tie-break number for an entry being created now. */
  nextOrder(): number {
    return this.order++;
  }

  add(entry: E): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as E, heap[parent] as E)) break;
      [heap[i], heap[parent]] = [heap[parent] as E, heap[i] as E];
      i = parent;
    }
    if (entry.dueAt < this.armedFor) this.arm();
  }

  /** Cancels the timer and forgets every entry. */
  clear(): void {
    this.heap.length = 0;
    this.disarm();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    for (let head = this.heap[0]; head !== undefined && head.dueAt <= now; head = this.heap[0]) {
      this.pop();
      this.onDue(head);
    }
    this.arm();
  }

  private arm(): void {
    this.disarm();
    const head = this.heap[0];
    if (head === undefined) return;
    this.armedFor = head.dueAt;
    // Real timers may wake a millisecond early relative to Date.now(); onTimer re-arms then.
    this.timer = this.clock.setTimeout(this.fire, Math.max(0, head.dueAt - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop() as E;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && before(heap[l] as E, heap[smallest] as E)) smallest = l;
      if (r < heap.length && before(heap[r] as E, heap[smallest] as E)) smallest = r;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest] as E, heap[i] as E];
      i = smallest;
    }
  }
}

function before(a: TimedEntry, b: TimedEntry): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order);
}
