import type { Message } from '@switchboard/core';
import { waitFor, type WaitForOptions } from './wait-for.js';

/**
 * Collects handled messages so a test can wait for them without sleeping:
 * `subscribe(group, recorder.handler)` then `await recorder.waitForCount(3)`.
 */
export class Recorder<T = unknown> {
  readonly messages: Message<T>[] = [];

  /** Pass as (or call from) a subscription handler. */
  readonly handler = (message: Message<T>): void => {
    this.messages.push(message);
  };

  get payloads(): T[] {
    return this.messages.map((m) => m.payload);
  }

  /** Waits until at least `count` messages were recorded and returns them. */
  async waitForCount(count: number, options?: WaitForOptions): Promise<Message<T>[]> {
    await waitFor(() => this.messages.length >= count, { message: `${count} messages (have ${this.messages.length})`, ...options });
    return this.messages;
  }

  /** Waits until a recorded message matches `predicate` and returns it. */
  waitForMessage(predicate: (message: Message<T>) => boolean, options?: WaitForOptions): Promise<Message<T>> {
    return waitFor(() => this.messages.find(predicate), { message: 'a matching message', ...options });
  }

  clear(): void {
    this.messages.length = 0;
  }
}
