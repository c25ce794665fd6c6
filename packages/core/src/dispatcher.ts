/**
 * Runs handlers with bounded concurrency. With `orderedByKey`, messages sharing a key run one
 * after another in arrival order while different keys run in parallel.
 *
 * A purpose-built queue rather than p-queue: this is the per-message hot path, and p-queue's
 * per-task promise, event emission and abort bookkeeping cost more than the rest of core's
 * dispatch together (measured in the memory benchmark). Here a message costs one array slot
 * and the handler's own promise.
 *
 * `push` returns a promise only when accepted-but-unfinished messages reach `highWater`; pull
 * backends await it, which is what keeps memory flat under a large backlog.
 */
export class Dispatcher<T extends { key?: string }> {
  private ready: (T | undefined)[] = [];
  private head = 0;
  private active = 0;
  private pending = 0;
  /** Keys with a message ready or running → later messages of that key, waiting their turn. */
  private readonly claimed = new Map<string, T[] | undefined>();
  private readonly highWater: number;
  private waiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  /** Completion of a message without a key in play: one bound function, no closure per message. */
  private readonly doneUnkeyed: () => void;
  private stopped = false;

  constructor(
    /** Runs one item; returns undefined when it finished synchronously (the slot is free at once). */
    private readonly run: (item: T) => Promise<void> | undefined,
    private readonly concurrency: number,
    private readonly orderedByKey: boolean,
  ) {
    // Enough buffered work to keep every slot busy between two broker fetches, and no more.
    this.highWater = Math.max(concurrency * 2, 32);
    this.doneUnkeyed = () => this.finish(undefined);
  }

  /** Handlers running right now. */
  get running(): number {
    return this.active;
  }

  /** Messages accepted and not yet finished. */
  get inFlight(): number {
    return this.pending;
  }

  push(item: T): Promise<void> | undefined {
    // Stopped: the item stays unsettled, so the broker gives it to another consumer (or this one again).
    if (this.stopped) return undefined;
    this.pending++;
    const key = this.orderedByKey ? item.key : undefined;
    if (key !== undefined && this.claimed.has(key)) {
      const waiting = this.claimed.get(key);
      if (waiting === undefined) this.claimed.set(key, [item]);
      else waiting.push(item);
    } else {
      if (key !== undefined) this.claimed.set(key, undefined);
      if (this.active < this.concurrency && this.head === this.ready.length) {
        // A free slot and nothing waiting: run it now, without a trip through the queue.
        if (this.start(item, key)) {
          // Its key's next message (queued meanwhile) may be ready now.
          if (this.head < this.ready.length) this.pump();
          this.afterFinish();
        }
      } else {
        this.ready.push(item);
        this.pump();
      }
    }
    if (this.pending < this.highWater) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Starts nothing new from now on: queued items that have not started are dropped unsettled (the
   * broker redelivers them), running ones finish and are what `drain` then waits for.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    let dropped = this.ready.length - this.head;
    for (const waiting of this.claimed.values()) dropped += waiting?.length ?? 0;
    this.ready = [];
    this.head = 0;
    this.claimed.clear();
    this.pending -= dropped;
    this.wakeWaiters();
  }

  /** Resolves when nothing is in flight, or with `false` after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([idle, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private pump(): void {
    let finishedNow = false;
    while (this.active < this.concurrency && this.head < this.ready.length) {
      const item = this.ready[this.head] as T;
      this.ready[this.head++] = undefined;
      if (this.start(item, this.orderedByKey ? item.key : undefined)) finishedNow = true;
    }
    if (this.head === this.ready.length) {
      this.ready.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    if (finishedNow) this.afterFinish();
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Runs one item in a slot; true when it finished synchronously (its slot is free again). */
  private start(item: T, key: string | undefined): boolean {
    this.active++;
    // `run` settles its own errors; completion runs either way so a slot is never lost.
    const running = this.run(item);
    if (running === undefined) {
      // Finished synchronously: free the slot here, without a promise or a nested pump.
      this.active--;
      this.pending--;
      if (key !== undefined) this.release(key);
      return true;
    }
    if (key === undefined) running.then(this.doneUnkeyed, this.doneUnkeyed);
    else {
      const done = (): void => this.finish(key);
      running.then(done, done);
    }
    return false;
  }

  /** The key's next waiting message (if any) becomes ready. */
  private release(key: string): void {
    const waiting = this.claimed.get(key);
    const next = waiting?.shift();
    if (next === undefined) this.claimed.delete(key);
    else {
      if (waiting?.length === 0) this.claimed.set(key, undefined);
      this.ready.push(next);
    }
  }

  private finish(key: string | undefined): void {
    this.active--;
    this.pending--;
    if (key !== undefined) this.release(key);
    this.pump();
    this.afterFinish();
  }

  private afterFinish(): void {
    if (this.pending < this.highWater) this.wakeWaiters();
    if (this.pending === 0 && this.idleWaiters.length > 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of idle) wake();
    }
  }
}
