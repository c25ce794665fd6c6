import type { Message, Subscription } from '@switchboard/core';
import { waitFor, type WaitForOptions } from './wait-for.js';

/**
 * Collects handled messages so a test can wait for them without sleeping:
 * `subscribe(group, recorder.handler)` then `await recorder.waitForCount(3)`.
 */
export class Recorder<T = unknown> {
  /** Every recorded message, in the order handled. */
  readonly messages: Message<T>[] = [];

  /** Pass as (or call from) a subscription handler. */
  readonly handler = (message: Message<T>): void => {
    this.messages.push(message);
  };

  /** The recorded payloads, in the order handled. */
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

  /** Forgets what was recorded. */
  clear(): void {
    this.messages.length = 0;
  }
}

/** The part of a channel `recordPublished` needs. */
export interface Subscribable<T> {
  /** The channel's name. */
  readonly name: string;
  /** Subscribes `handler` as subscriber group `group`; resolves with something to close. */
  subscribe(group: string, handler: (message: Message<T>) => unknown, options?: { concurrency?: number }): Promise<Pick<Subscription, 'close'>>;
}

/** A {@link Recorder} with its own subscription, from {@link recordPublished}. */
export interface PublishedRecorder<T> extends Recorder<T> {
  /** Closes the recorder's subscription; what it recorded stays. */
  stop(): Promise<void>;
}

/**
 * Records everything published to a channel from now on, through a subscriber group of its own
 * (fanout gives it every message without taking any from the application's groups).
 * `await recordPublished(bus.channel('invoice-issued'))` then `recorder.waitForCount(n)`.
 */
export async function recordPublished<T>(channel: Subscribable<T>, group = 'testkit-recorder'): Promise<PublishedRecorder<T>> {
  const recorder = new Recorder<T>();
  const subscription = await channel.subscribe(group, recorder.handler, { concurrency: 1 });
  return Object.assign(recorder, { stop: () => subscription.close() });
}
