/**
 * What a holder of fetched records (a retry route, a delay forwarder) returns to its consumer
 * while it holds too many: one promise for the whole full spell, resolved when room opens again,
 * so the consumer's fetch loop waits instead of buffering without bound.
 */
export class Room {
  private waiting: { promise: Promise<void>; resolve(): void } | undefined;

  /** Resolves at the next {@link open}. */
  wait(): Promise<void> {
    if (this.waiting === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiting = { promise, resolve };
    }
    return this.waiting.promise;
  }

  /** Releases whoever waits (nothing when nobody does). */
  open(): void {
    this.waiting?.resolve();
    this.waiting = undefined;
  }
}
