import { runSoon } from './microtask.js';
import type { DeliverFn } from '@switchboard/core';
import type { ChannelLog } from './channel-log.js';
import type { Clock } from './clock.js';
import { MemoryDelivery, type DeliveryOwner } from './deliveries.js';

/**
 * Reads a channel's log from a sequence number, then follows new appends. Moves no group's
 * position. At most `limit` unacked deliveries; a reader that fell behind retention skips to the
 * oldest retained message (Kafka's `auto.offset.reset=earliest` on an out-of-range offset).
 */
export class ReplayReader implements DeliveryOwner {
  private inFlight = 0;
  private paused = false;
  private stopped = false;
  private scheduled = false;
  private readonly pumpNow = (): void => this.pump();
  private readonly resume = (): void => {
    this.paused = false;
    this.schedulePump();
  };

  constructor(
    private readonly log: ChannelLog,
    private cursor: number,
    private readonly deliver: DeliverFn,
    private readonly limit: number,
    private readonly clock: Clock,
  ) {}

  settle(): void {
    this.inFlight--;
    this.schedulePump();
  }

  stop(): void {
    this.stopped = true;
  }

  schedulePump(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    runSoon(this.pumpNow);
  }

  private pump(): void {
    this.scheduled = false;
    const now = this.clock.now();
    while (!this.stopped && !this.paused && this.inFlight < this.limit) {
      if (this.cursor < this.log.firstSeq) this.cursor = this.log.firstSeq;
      const message = this.log.get(this.cursor);
      if (message === undefined) return;
      this.cursor++;
      // An expired message is gone for everyone, history readers included.
      if (message.expiresAt <= now) continue;
      this.inFlight++;
      const backpressure = this.deliver(new MemoryDelivery(message, this));
      if (backpressure !== undefined) {
        this.paused = true;
        backpressure.then(this.resume, this.resume);
      }
    }
  }
}
