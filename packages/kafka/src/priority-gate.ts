import type { Delivery, DeliverFn } from '@switchboard/core';

export interface PriorityGateConfig {
  /** Number of levels; level 0 is the lowest. */
  levels: number;
  /** Messages handed to core and not yet settled, at most (the subscription's `concurrency`). */
  concurrency: number;
  /** Messages each level holds locally before its consumer has to wait (backpressure). */
  bufferSize: number;
  /** Higher-level hand-outs in a row a waiting lower-level message tolerates before it goes. */
  starvationLimit: number;
  /** Core's deliver. */
  deliver: DeliverFn;
}

interface Held {
  partition: number;
  delivery: Delivery;
}

/**
 * Local priority queue in front of core for a subscription that reads several bucket topics.
 *
 * Each level's consumer pushes what it fetched through {@link deliverFor}; the gate hands core
 * at most `concurrency` unsettled messages at a time (so core never queues a low message ahead of
 * a high one), always from the highest level that has one, except that a level whose waiting
 * message was passed over `starvationLimit` times goes next (the highest such level first).
 *
 * A level can be *unknown*: its consumer has not joined yet, or was just assigned partitions that
 * hold messages it has not fetched yet. While a level is unknown no lower level is handed out,
 * so a backlog of high messages is never overtaken by the low ones fetched first.
 */
export class PriorityGate {
  private readonly buffers: Held[][];
  /** Per level: partitions that may still hold unfetched waiting messages; `null`: not joined yet. */
  private readonly unknown: (Set<number> | null)[];
  private readonly passedOver: number[];
  private readonly roomWaiters: ((() => void) | undefined)[];
  private readonly roomPromises: (Promise<void> | undefined)[];
  private inFlight = 0;
  /** Per level: handed out and not settled. */
  private readonly levelInFlight: number[];
  private coreRoom: Promise<void> | undefined;
  private stopped = false;
  private pumpScheduled = false;

  constructor(private readonly config: PriorityGateConfig) {
    const { levels } = config;
    this.buffers = Array.from({ length: levels }, () => []);
    // The lowest level never blocks anyone; every higher one is unknown until its consumer joined.
    this.unknown = Array.from({ length: levels }, (_, level) => (level === 0 ? new Set<number>() : null));
    this.passedOver = new Array<number>(levels).fill(0);
    this.levelInFlight = new Array<number>(levels).fill(0);
    this.roomWaiters = new Array<(() => void) | undefined>(levels).fill(undefined);
    this.roomPromises = new Array<Promise<void> | undefined>(levels).fill(undefined);
  }

  /** Messages waiting locally on each level, lowest first. */
  get waiting(): number[] {
    return this.buffers.map((b) => b.length);
  }

  /** Messages handed to core and not yet settled. */
  get handedOut(): number {
    return this.inFlight;
  }

  /** True while `level` may hold unfetched messages (lower levels wait). */
  isUnknown(level: number): boolean {
    const unknown = this.unknown[level];
    return unknown === null || (unknown !== undefined && unknown.size > 0);
  }

  /** True while a level has messages waiting locally or handed out and unsettled. */
  busy(level: number): boolean {
    return (this.buffers[level]?.length ?? 0) > 0 || (this.levelInFlight[level] ?? 0) > 0;
  }

  /** Partitions of a level not known yet (`undefined`: its consumer has not joined, so all of them). */
  unknownPartitions(level: number): ReadonlySet<number> | undefined {
    return this.unknown[level] ?? undefined;
  }

  /** A level's consumer got `partitions`; those in `pending` may hold messages not fetched yet. Drops what it held of other partitions. */
  assigned(level: number, partitions: readonly number[], pending: Iterable<number>): void {
    const kept = new Set(partitions);
    const buffer = this.buffers[level];
    if (buffer !== undefined) this.buffers[level] = buffer.filter((held) => kept.has(held.partition));
    this.unknown[level] = new Set([...pending].filter((p) => kept.has(p)));
    this.wakeRoom(level);
    this.pump();
  }

  /** Marks partitions of a level as known: a record of it was fetched, or it was found to have none waiting. */
  known(level: number, partition: number): void {
    const unknown = this.unknown[level];
    if (unknown === null || unknown === undefined || !unknown.delete(partition)) return;
    if (unknown.size === 0) this.pumpSoon();
  }

  /** Gives up waiting for a level to become known (its consumer failed to report): lower levels go on. */
  forget(level: number): void {
    this.unknown[level] = new Set();
    this.pump();
  }

  /** The `deliver` of one level's consumer: queues the delivery, waits while the level's buffer is full. */
  deliverFor(level: number, partition: number, delivery: Delivery): Promise<void> | undefined {
    if (this.stopped) return undefined;
    const buffer = this.buffers[level] as Held[];
    buffer.push({ partition, delivery });
    this.known(level, partition);
    this.pumpSoon();
    if (buffer.length < this.config.bufferSize) return undefined;
    let promise = this.roomPromises[level];
    if (promise === undefined) {
      promise = new Promise<void>((resolve) => (this.roomWaiters[level] = resolve));
      this.roomPromises[level] = promise;
    }
    return promise;
  }

  /** Hands out nothing more; what waits locally stays unsettled (uncommitted: read again later). */
  stop(): void {
    this.stopped = true;
    for (let level = 0; level < this.buffers.length; level++) {
      this.buffers[level] = [];
      this.wakeRoom(level);
    }
  }

  /** The level the next hand-out comes from, or undefined when none may go now. */
  next(): number | undefined {
    let top: number | undefined;
    for (let level = this.buffers.length - 1; level >= 0; level--) {
      if ((this.buffers[level] as Held[]).length > 0) {
        top = level;
        break;
      }
      if (this.isUnknown(level)) return undefined;
    }
    if (top === undefined) return undefined;
    // Anti-starvation: the highest passed-over level below `top` that has reached the limit.
    for (let level = top - 1; level >= 0; level--) {
      if (this.isUnknown(level + 1) && level + 1 < top) break;
      if ((this.buffers[level] as Held[]).length > 0 && (this.passedOver[level] as number) >= this.config.starvationLimit) return level;
    }
    return top;
  }

  /**
   * Pumps once the current turn is over. A consumer hands over a fetched batch record by record in
   * one turn, so by then the whole batch of that partition is buffered: pumping at its first record
   * would see the level empty again and let lower levels through ahead of the rest of the batch.
   */
  private pumpSoon(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.coreRoom === undefined && this.inFlight < this.config.concurrency) {
      const level = this.next();
      if (level === undefined) return;
      const buffer = this.buffers[level] as Held[];
      const held = buffer.shift() as Held;
      for (let lower = 0; lower < level; lower++) if ((this.buffers[lower] as Held[]).length > 0) this.passedOver[lower] = (this.passedOver[lower] ?? 0) + 1;
      this.passedOver[level] = 0;
      if (buffer.length < this.config.bufferSize) this.wakeRoom(level);
      this.handOut(level, held.delivery);
    }
  }

  private handOut(level: number, delivery: Delivery): void {
    this.inFlight++;
    this.levelInFlight[level] = (this.levelInFlight[level] ?? 0) + 1;
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      this.levelInFlight[level] = (this.levelInFlight[level] ?? 1) - 1;
      this.pump();
    };
    const ack = delivery.ack.bind(delivery);
    delivery.ack = () => {
      ack();
      done();
    };
    const retryLater = delivery.retryLater?.bind(delivery);
    if (retryLater !== undefined) delivery.retryLater = (delayMs, headers) => retryLater(delayMs, headers).finally(done);
    const room = this.config.deliver(delivery);
    if (room !== undefined) {
      const waiting = room.then(() => {
        if (this.coreRoom === waiting) this.coreRoom = undefined;
        this.pump();
      });
      this.coreRoom = waiting;
    }
  }

  private wakeRoom(level: number): void {
    const wake = this.roomWaiters[level];
    if (wake === undefined) return;
    this.roomWaiters[level] = undefined;
    this.roomPromises[level] = undefined;
    wake();
  }
}
