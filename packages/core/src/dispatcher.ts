import PQueue from 'p-queue';

/**
 * Runs handlers with bounded concurrency (p-queue). With `orderedByKey`, messages sharing a key
 * run one after another in arrival order while different keys run in parallel.
 *
 * `push` returns a promise only when the number of accepted-but-unfinished messages reaches
 * `highWater`; pull backends await it, which is what keeps memory flat under a large backlog.
 */
export class Dispatcher<T extends { key?: string }> {
  private readonly queue: PQueue;
  private readonly tails = new Map<string, Promise<void>>();
  private pending = 0;
  private readonly highWater: number;
  private waiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (item: T) => Promise<void>,
    concurrency: number,
    private readonly orderedByKey: boolean,
  ) {
    this.queue = new PQueue({ concurrency });
    // Enough buffered work to keep every slot busy between two broker fetches, and no more.
    this.highWater = Math.max(concurrency * 2, 32);
  }

  /** Messages accepted and not yet finished. */
  get inFlight(): number {
    return this.pending;
  }

  push(item: T): Promise<void> | undefined {
    this.pending++;
    const key = this.orderedByKey ? item.key : undefined;
    if (key === undefined) {
      void this.queue.add(() => this.execute(item));
    } else {
      const previous = this.tails.get(key);
      const task = previous === undefined
        ? this.queue.add(() => this.execute(item))
        : previous.then(() => this.queue.add(() => this.execute(item)));
      const tail = task.then(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
      this.tails.set(key, tail);
    }
    if (this.pending < this.highWater) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
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

  private async execute(item: T): Promise<void> {
    try {
      await this.run(item);
    } finally {
      this.pending--;
      if (this.waiters.length > 0 && this.pending < this.highWater) {
        const waiters = this.waiters;
        this.waiters = [];
        for (const wake of waiters) wake();
      }
      if (this.pending === 0 && this.idleWaiters.length > 0) {
        const idle = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of idle) wake();
      }
    }
  }
}
