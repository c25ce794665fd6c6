import type { Channel, Message } from 'amqplib';

/**
 * Coalesces the acks of one channel. Core acks in completion order, not delivery order, so a plain
 * `ack(multiple)` on the newest tag could settle a message still being handled. Instead acks are
 * collected until the next turn of the event loop, then the longest run of acked tags starting at
 * the oldest unsettled delivery goes out as one `basic.ack multiple`, and any acked tag beyond a
 * gap (an earlier message still in its handler) is acked on its own: no ack waits longer than one
 * turn, and no message is settled before its handler finished.
 */
export class AckBatcher {
  /** Delivery tags handed over and not yet acked on the wire, in delivery (= tag) order. */
  private readonly unsettled = new Set<number>();
  /** Tags acked by the handler but not yet sent. */
  private readonly acked = new Set<number>();
  private scheduled = false;
  private closed = false;

  constructor(private readonly channel: Channel) {}

  /** Records a delivery; call it for every message before its ack can happen. */
  delivered(tag: number): void {
    this.unsettled.add(tag);
  }

  ack(tag: number): void {
    if (this.closed || !this.unsettled.has(tag)) return;
    this.acked.add(tag);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends pending acks now: before closing the channel on purpose, so a clean shutdown loses none. */
  flushNow(): void {
    this.flush();
  }

  /** The channel is gone: its unsettled messages return to the queue, nothing is sent any more. */
  close(): void {
    this.closed = true;
    this.unsettled.clear();
    this.acked.clear();
  }

  private flush(): void {
    this.scheduled = false;
    if (this.closed || this.acked.size === 0) return;
    try {
      let upTo = -1;
      let run = 0;
      for (const tag of this.unsettled) {
        if (!this.acked.has(tag)) break;
        upTo = tag;
        run++;
      }
      let left = run;
      for (const tag of this.unsettled) {
        if (left-- === 0) break;
        this.unsettled.delete(tag);
        this.acked.delete(tag);
      }
      // A lone tag goes without `multiple`, exactly as an unbatched consumer would send it.
      if (run > 0) this.channel.ack(message(upTo), run > 1);
      for (const tag of this.acked) {
        this.unsettled.delete(tag);
        this.channel.ack(message(tag));
      }
      this.acked.clear();
    } catch {
      // Channel closed meanwhile: the broker requeues what was not acked.
      this.close();
    }
  }
}

/** amqplib only reads `fields.deliveryTag` when acking. */
function message(tag: number): Message {
  return { fields: { deliveryTag: tag } } as unknown as Message;
}
