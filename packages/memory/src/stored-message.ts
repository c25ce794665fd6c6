import type { DecodeSlot, WireMessage } from '@switchboard/core';
import type { PendingRequest } from './pending-request.js';

/**
 * One message inside the broker. The channel log and every group queue hold the same instance,
 * so fanout to N groups costs N pointers, not N copies. Fixed shape on purpose (hot path).
 */
export class StoredMessage implements DecodeSlot {
  /** Core's decoded envelope, shared by the deliveries of this message to every group (fanout). */
  decoded: unknown = undefined;
  /** `seq` as the delivery's position string, made once for every group. */
  private position: string | undefined = undefined;

  constructor(
    readonly wire: WireMessage,
    /** Log sequence number (the replay position); -1 for requests, which are not logged. */
    public seq: number,
    /** Broker time the message became visible (after any delay). */
    public at: number,
    /** Broker time after which it is never delivered; Infinity without TTL. */
    readonly expiresAt: number,
    /** True when a consumer already had it (closed before acking, or a retry). */
    readonly redelivered: boolean,
    /** Set on request messages: where the reply goes. */
    readonly request: PendingRequest | undefined,
  ) {}

  get priority(): number {
    return this.wire.priority ?? 0;
  }

  /** The log sequence number as an opaque string; requests have none. */
  get positionText(): string | undefined {
    if (this.seq < 0) return undefined;
    return (this.position ??= String(this.seq));
  }

  /** The same message handed back to a group after a consumer dropped it. */
  redelivery(): StoredMessage {
    const again = new StoredMessage(this.wire, this.seq, this.at, this.expiresAt, true, this.request);
    // Same body and headers: what core decoded stays valid.
    again.decoded = this.decoded;
    return again;
  }

  /** The same message with new headers (core's retry bumps the attempt count there). */
  withHeaders(headers: Record<string, string>): StoredMessage {
    return new StoredMessage({ ...this.wire, headers }, this.seq, this.at, this.expiresAt, true, this.request);
  }
}
