import type { DeliverFn } from '@switchboard/core';
import { MemoryDelivery, RequestDelivery, RetryableDelivery, type RetryingOwner } from './deliveries.js';
import type { StoredMessage } from './stored-message.js';
import type { SubscriberGroup } from './subscriber-group.js';

/**
 * What a member hands out: `retryable` deliveries offer `retryLater` (back to the group queue),
 * `plain` ones make core retry in place (keeps key order), `request` ones carry `reply()`.
 */
export type DeliveryKind = 'retryable' | 'plain' | 'request';

/**
 * One consumer in a subscriber group. Holds at most `limit` unacked deliveries and pauses while
 * core's `deliver()` promise is pending; both bound the memory a backlog can pull in.
 */
export class GroupMember implements RetryingOwner {
  private inFlight = 0;
  private paused = false;
  private stopped = false;
  /** Unsettled deliveries, oldest first: a list through the deliveries themselves. */
  private first: MemoryDelivery | undefined;
  private last: MemoryDelivery | undefined;
  /** In-flight count per key, tracked only on ordered groups (key affinity across members). */
  private keyCounts: Map<string, number> | undefined;
  private readonly resume = (): void => {
    this.paused = false;
    this.group.schedulePump();
  };

  constructor(
    private readonly group: SubscriberGroup,
    private readonly deliver: DeliverFn,
    private readonly limit: number,
    private readonly kind: DeliveryKind,
  ) {}

  get ready(): boolean {
    return !this.stopped && !this.paused && this.inFlight < this.limit;
  }

  get active(): boolean {
    return !this.stopped;
  }

  /** `shared`: other groups take the same message soon, so core may keep its decode on it. */
  hand(message: StoredMessage, shared: boolean): void {
    const delivery =
      this.kind === 'retryable'
        ? new RetryableDelivery(message, this, shared)
        : this.kind === 'request'
          ? new RequestDelivery(message, this)
          : new MemoryDelivery(message, this, shared);
    this.inFlight++;
    this.link(delivery);
    const key = message.wire.key;
    if (key !== undefined && this.group.keyOwners !== undefined) {
      this.keyCounts ??= new Map();
      this.keyCounts.set(key, (this.keyCounts.get(key) ?? 0) + 1);
      this.group.keyOwners.set(key, this);
    }
    let backpressure: void | Promise<void>;
    try {
      backpressure = this.deliver(delivery);
    } catch (error) {
      this.group.host.logger.error('switchboard memory: deliver() threw; the message goes back to its group', {
        group: this.group.name,
        error: error instanceof Error ? error.message : String(error),
      });
      this.takeBack([delivery]);
      return;
    }
    if (backpressure !== undefined) {
      this.paused = true;
      backpressure.then(this.resume, this.resume);
    }
  }

  settle(delivery: MemoryDelivery): void {
    if (!this.unlink(delivery)) return;
    this.release(delivery);
    this.group.schedulePump();
  }

  retry(delivery: MemoryDelivery, delayMs: number, headers: Record<string, string>): void {
    if (!this.unlink(delivery)) return;
    this.release(delivery);
    this.group.host.scheduleRetry(this.group, delivery.message.withHeaders(headers), delayMs);
    this.group.schedulePump();
  }

  /** No new deliveries; in-flight ones may still be acked. */
  stop(): void {
    this.stopped = true;
  }

  /** Leaves the group; unacked deliveries go back to the front of the queue, marked redelivered. */
  close(): void {
    this.stopped = true;
    const unsettled: MemoryDelivery[] = [];
    for (let delivery = this.first; delivery !== undefined; delivery = delivery.next) unsettled.push(delivery);
    this.takeBack(unsettled);
    this.group.removeMember(this);
  }

  private takeBack(deliveries: MemoryDelivery[]): void {
    // Front of the queue in reverse, so they come out again in their original order.
    for (let i = deliveries.length - 1; i >= 0; i--) {
      const delivery = deliveries[i] as MemoryDelivery;
      if (!this.unlink(delivery)) continue;
      delivery.settled = true;
      this.release(delivery);
      this.group.requeue(delivery.message.redelivery());
    }
    this.group.schedulePump();
  }

  private link(delivery: MemoryDelivery): void {
    delivery.listed = true;
    delivery.previous = this.last;
    if (this.last === undefined) this.first = delivery;
    else this.last.next = delivery;
    this.last = delivery;
  }

  /** False when it was not listed (settled already). */
  private unlink(delivery: MemoryDelivery): boolean {
    if (!delivery.listed) return false;
    delivery.listed = false;
    const { previous, next } = delivery;
    if (previous === undefined) this.first = next;
    else previous.next = next;
    if (next === undefined) this.last = previous;
    else next.previous = previous;
    delivery.previous = undefined;
    delivery.next = undefined;
    return true;
  }

  private release(delivery: MemoryDelivery): void {
    this.inFlight--;
    const key = delivery.key;
    if (key === undefined || this.keyCounts === undefined) return;
    const left = (this.keyCounts.get(key) ?? 1) - 1;
    if (left > 0) {
      this.keyCounts.set(key, left);
    } else {
      this.keyCounts.delete(key);
      if (this.group.keyOwners?.get(key) === this) this.group.keyOwners.delete(key);
    }
  }
}
