import type { Dispatcher } from './dispatcher.js';
import type { Logger } from './logger.js';
import type { ConsumerHandle, Delivery } from './spi.js';
import type { StatusTracker } from './subscription-status.js';
import type { SubscriptionGauge } from './telemetry/messaging-metrics.js';
import type { Subscription, SubscriptionStatus } from './types.js';

/** A running consumer: backend handle + core dispatcher, closed in that order. */
export class ActiveSubscription implements Subscription {
  private closing: Promise<void> | undefined;
  onClosed: (() => void) | undefined;

  constructor(
    private readonly handle: ConsumerHandle,
    private readonly dispatcher: Dispatcher<Delivery>,
    private readonly abort: AbortController,
    private readonly drainTimeoutMs: number,
    private readonly logger: Logger,
    private readonly channel: string,
    private readonly tracker: StatusTracker,
  ) {}

  get closed(): boolean {
    return this.closing !== undefined;
  }

  get status(): SubscriptionStatus {
    return this.tracker.status;
  }

  /** What the observable metrics read at each collection. */
  get gauge(): SubscriptionGauge {
    const { channel, group } = this.tracker.status;
    return { channel, ...(group !== undefined && { group }), running: this.dispatcher.running, lag: this.handle.lag?.() };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    try {
      // Nothing new starts from here on, not even what the backend already prefetched.
      this.dispatcher.stop();
      await this.handle.stop();
      const drained = await this.dispatcher.drain(this.drainTimeoutMs);
      if (!drained) {
        this.logger.warn('switchboard: handlers still running after the drain timeout; their messages stay unacked and will be delivered again', {
          channel: this.channel,
          inFlight: this.dispatcher.inFlight,
          drainTimeoutMs: this.drainTimeoutMs,
        });
      }
      this.abort.abort();
      await this.handle.close();
    } finally {
      this.tracker.set('closed');
      this.onClosed?.();
    }
  }
}
