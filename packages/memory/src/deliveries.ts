import type { DecodeSlot, Delivery, WireMessage } from '@switchboard/core';
import type { StoredMessage } from './stored-message.js';

/** Who handed a delivery out, and takes it back when core settles it. */
export interface DeliveryOwner {
  settle(delivery: MemoryDelivery): void;
}

/** A group member that can also give a message back to its group for a later attempt. */
export interface RetryingOwner extends DeliveryOwner {
  retry(delivery: MemoryDelivery, delayMs: number, headers: Record<string, string>): void;
}

const DONE: Promise<void> = Promise.resolve();

/**
 * One hand-over of a stored message to core. Created only when a consumer has room, so their
 * number is bounded by `concurrency`; methods live on the prototype (no per-message closures).
 */
export class MemoryDelivery implements Delivery {
  readonly body: Buffer;
  readonly key: string | undefined;
  readonly headers: Record<string, string>;
  readonly id: string;
  readonly timestamp: number;
  readonly priority: number | undefined;
  readonly redelivered: boolean;
  /** The stored message when other deliveries share it (fanout): core decodes it once for all. */
  readonly shared: DecodeSlot | undefined;
  /** Set once acked, retried or taken back; later calls are no-ops (settle exactly once). */
  settled = false;
  /** The owner's list of unsettled deliveries (intrusive: no Set entry per message). */
  previous: MemoryDelivery | undefined = undefined;
  next: MemoryDelivery | undefined = undefined;
  listed = false;

  constructor(
    readonly message: StoredMessage,
    protected readonly owner: DeliveryOwner,
    shared = false,
  ) {
    const wire: WireMessage = message.wire;
    this.body = wire.body;
    this.key = wire.key;
    this.headers = wire.headers;
    this.id = wire.id;
    this.timestamp = wire.timestamp;
    this.priority = wire.priority;
    this.redelivered = message.redelivered;
    this.shared = shared ? message : undefined;
  }

  /** The log sequence number as an opaque string; requests have none. */
  get position(): string | undefined {
    return this.message.positionText;
  }

  ack(): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.settle(this);
  }
}

/** A subscriber-group delivery: retries go back to the group's queue after the backoff. */
export class RetryableDelivery extends MemoryDelivery {
  retryLater(delayMs: number, headers: Record<string, string>): Promise<void> {
    if (!this.settled) {
      this.settled = true;
      (this.owner as RetryingOwner).retry(this, delayMs, headers);
    }
    return DONE;
  }
}

/** A request handed to a responder: `reply()` completes the caller's pending request. */
export class RequestDelivery extends MemoryDelivery {
  reply(message: WireMessage): Promise<void> {
    this.message.request?.complete(message);
    return DONE;
  }
}
