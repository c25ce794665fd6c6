import { MAX_TIMER_MS } from '@switchboard/core';

interface Entry<T> {
  due: number;
  seq: number;
  item: T;
}

/**
 * Items held until their due time (ms since epoch), released in due order (FIFO for equal times)
 * by one timer set for the earliest. A binary heap: add and release cost O(log n).
 *
 * The timer is referenced on purpose: a bus holding delayed messages is open work, like its sockets.
 */
export class DueQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(private readonly release: (item: T) => void) {}

  get size(): number {
    return this.heap.length;
  }

  add(due: number, item: T): void {
    this.heap.push({ due, seq: this.seq++, item });
    this.up(this.heap.length - 1);
    this.arm();
  }

  /** Drops the held items `keep` refuses (nothing is released). */
  retain(keep: (item: T) => boolean): void {
    const before = this.heap.length;
    const kept = this.heap.filter((entry) => keep(entry.item));
    if (kept.length === before) return;
    this.heap.length = 0;
    for (const entry of kept) {
      this.heap.push(entry);
      this.up(this.heap.length - 1);
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.arm();
  }

  /** Drops everything held; nothing is released. */
  clear(): void {
    this.heap.length = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(): void {
    const head = this.heap[0];
    if (head === undefined || head.due >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = head.due;
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_TIMER_MS, Math.max(0, head.due - Date.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    while (this.heap.length > 0 && (this.heap[0] as Entry<T>).due <= now) this.release(this.pop());
    this.arm();
  }

  private pop(): T {
    const top = this.heap[0] as Entry<T>;
    const last = this.heap.pop() as Entry<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top.item;
  }

  private before(a: Entry<T>, b: Entry<T>): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private up(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(heap[index] as Entry<T>, heap[parent] as Entry<T>)) return;
      [heap[index], heap[parent]] = [heap[parent] as Entry<T>, heap[index] as Entry<T>];
      index = parent;
    }
  }

  private down(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let best = index;
      if (left < heap.length && this.before(heap[left] as Entry<T>, heap[best] as Entry<T>)) best = left;
      if (right < heap.length && this.before(heap[right] as Entry<T>, heap[best] as Entry<T>)) best = right;
      if (best === index) return;
      [heap[index], heap[best]] = [heap[best] as Entry<T>, heap[index] as Entry<T>];
      index = best;
    }
  }
}
