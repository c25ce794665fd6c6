/**
 * What one consumer handed to core from one partition and which of it is still running, across
 * fetches. Handlers finish out of order (different keys and slots run in parallel, one can hang),
 * so the offset that may be committed is the first one still running — or, when nothing is, the
 * one after the highest handed out. Only running offsets are kept, so memory is bounded by core's
 * in-flight limit however far fetching has moved past a slow handler.
 *
 * Offsets are numbers: exact below 2^53, which no partition reaches (at a million records a
 * second that is 285 years).
 */
export class PartitionProgress {
  private readonly running = new Set<number>();
  private highest = -1;
  /** The last commit point the broker confirmed. */
  committed: number | undefined;

  /**
   * True when this member handed `offset` out before: a re-fetch after a rebalance, a restart of
   * the kafkajs consumer or a seek. It is running or finished already, so it is skipped.
   */
  seen(offset: number): boolean {
    return offset <= this.highest;
  }

  dispatch(offset: number): void {
    this.running.add(offset);
    if (offset > this.highest) this.highest = offset;
  }

  /** Marks a handed-out offset finished. Idempotent. */
  complete(offset: number): void {
    this.running.delete(offset);
  }

  /** Offsets handed out and not finished. */
  get pending(): number {
    return this.running.size;
  }

  /** The next offset a new owner should read: nothing before it is unfinished. Undefined before the first hand-out. */
  get commitPoint(): number | undefined {
    if (this.highest < 0) return undefined;
    let point = this.highest + 1;
    for (const offset of this.running) if (offset < point) point = offset;
    return point;
  }
}
