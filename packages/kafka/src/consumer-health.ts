import type { ConsumerState, ConsumerStatus } from '@switchboard/core';
import type { Consumer } from 'kafkajs';

/** Restarts in a row without any progress after which a consumer kafkajs keeps restarting counts as failed. */
export const RESTART_LOOP_THRESHOLD = 3;

/**
 * Turns a kafkajs consumer's crashes and progress into the states core shows the application
 * (`subscription.status`, `onStatus`, `bus.health()`): `recovering` after a crash kafkajs restarts
 * by itself, `failed` after one it does not restart (or the same consumer crashing
 * {@link RESTART_LOOP_THRESHOLD} times without progress), `live` again once a fetch succeeds or a
 * batch is handled.
 */
export class ConsumerHealth {
  private state: ConsumerState = 'live';
  private crashesWithoutProgress = 0;

  constructor(private readonly report: ((status: ConsumerStatus) => void) | undefined) {}

  get current(): ConsumerState {
    return this.state;
  }

  /** Progress signals from kafkajs' instrumentation: a successful fetch, a handled batch. */
  attach(consumer: Consumer): void {
    const progressed = (): void => this.progressed();
    consumer.on(consumer.events.FETCH, progressed);
    consumer.on(consumer.events.END_BATCH_PROCESS, progressed);
  }

  /** The consumer crashed; `restarting` when kafkajs restarts it itself. */
  crashed(error: Error, restarting: boolean): void {
    this.crashesWithoutProgress++;
    this.set(!restarting || this.crashesWithoutProgress >= RESTART_LOOP_THRESHOLD ? 'failed' : 'recovering', error);
  }

  progressed(): void {
    this.crashesWithoutProgress = 0;
    if (this.state !== 'live') this.set('live');
  }

  private set(state: ConsumerState, error?: Error): void {
    this.state = state;
    try {
      this.report?.(error === undefined ? { state } : { state, error });
    } catch {
      // Reporting must never break the consumer (core's callback does not throw, but be sure).
    }
  }
}
