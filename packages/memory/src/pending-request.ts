import { TimeoutError, type Delivery, type WireMessage } from '@switchboard/core';
import type { Clock } from './clock.js';

/** A request waiting for its reply. Settles exactly once: reply, timeout or cancel. */
export class PendingRequest {
  private done = false;
  private timer: unknown;

  constructor(
    private readonly clock: Clock,
    private readonly resolve: (reply: Delivery) => void,
    private readonly reject: (error: unknown) => void,
    private readonly onSettled: (request: PendingRequest) => void,
  ) {}

  get settled(): boolean {
    return this.done;
  }

  startTimer(timeoutMs: number, channel: string): void {
    this.timer = this.clock.setTimeout(() => {
      this.fail(new TimeoutError(`No reply on channel "${channel}" within ${timeoutMs} ms`, { retriable: true }));
    }, timeoutMs);
  }

  complete(reply: WireMessage): void {
    if (!this.finish()) return;
    this.resolve({
      body: reply.body,
      headers: reply.headers,
      id: reply.id,
      timestamp: reply.timestamp,
      ...(reply.key !== undefined && { key: reply.key }),
      redelivered: false,
      ack: noop,
    });
  }

  fail(error: unknown): void {
    if (this.finish()) this.reject(error);
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.clock.clearTimeout(this.timer);
    this.onSettled(this);
    return true;
  }
}

const noop = (): void => {};
