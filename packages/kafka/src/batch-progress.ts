/**
 * Tracks which messages of one fetched partition batch are finished, so the committed offset only
 * ever moves to the last message before which everything is done. Handlers finish out of order
 * (different keys run in parallel); a crash must never skip an unfinished message.
 */
export class BatchProgress {
  private readonly done: boolean[];
  private contiguous = 0;
  private dispatched = 0;
  private finished = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly offsets: readonly string[]) {
    this.done = new Array<boolean>(offsets.length).fill(false);
  }

  /** Registers the next message of the batch as handed to core; returns its index. */
  dispatch(): number {
    return this.dispatched++;
  }

  /**
   * Marks a message finished. Returns the offset that may now be resolved (every message up to
   * and including it is done), or undefined when the low-water mark did not move.
   */
  complete(index: number): string | undefined {
    if (index >= this.dispatched || this.done[index] === true) return undefined;
    this.done[index] = true;
    this.finished++;
    const before = this.contiguous;
    while (this.contiguous < this.dispatched && this.done[this.contiguous] === true) this.contiguous++;
    if (this.finished === this.dispatched) this.wake();
    return this.contiguous > before ? this.offsets[this.contiguous - 1] : undefined;
  }

  /** Messages handed to core and not finished yet. */
  get pending(): number {
    return this.dispatched - this.finished;
  }

  /** The last offset before which everything is finished, if any. */
  get resolvedOffset(): string | undefined {
    return this.contiguous === 0 ? undefined : this.offsets[this.contiguous - 1];
  }

  /**
   * Resolves when every dispatched message is finished, or after `timeoutMs` (then `false`).
   * Without a timeout no timer is set: release() is then the only other way out.
   */
  settled(timeoutMs?: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve(false);
        }, timeoutMs);
      }
      this.waiters.push(wake);
    });
  }

  /** Wakes everyone waiting in settled() (the consumer is closing and stops waiting). */
  release(): void {
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
