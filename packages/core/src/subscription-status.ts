import type { Logger } from './logger.js';
import type { ConsumerStatus } from './spi.js';
import type { SubscriptionState, SubscriptionStatus } from './types.js';

/**
 * One subscription's progress state, fed by its backend consumer (`ConsumeOptions.status`) and by
 * core (closed), read by `subscription.status` and `bus.health()`, pushed to `onStatus`.
 */
export class StatusTracker {
  private current: SubscriptionStatus;

  constructor(
    base: Pick<SubscriptionStatus, 'channel' | 'group' | 'kind'>,
    private readonly listener: ((status: SubscriptionStatus) => void) | undefined,
    private readonly logger: Logger,
  ) {
    this.current = { ...base, state: 'live', since: new Date() };
    if (base.group === undefined) delete this.current.group;
  }

  get status(): SubscriptionStatus {
    return { ...this.current };
  }

  /** Bound so backends can pass it around: `ConsumeOptions.status`. */
  readonly report = (status: ConsumerStatus): void => {
    if (this.current.state === 'closed') return;
    this.set(status.state, status.error);
  };

  set(state: SubscriptionState, error?: Error): void {
    const previous = this.current;
    if (previous.state === state && (error === undefined || error === previous.error)) return;
    const next: SubscriptionStatus = { ...previous, state, since: previous.state === state ? previous.since : new Date() };
    if (error !== undefined) next.error = error;
    this.current = next;
    const fields = { channel: next.channel, group: next.group, kind: next.kind, error: error?.message };
    if (state === 'failed') this.logger.error(`switchboard: subscription on channel ${next.channel} cannot make progress`, fields);
    else if (state === 'recovering') this.logger.warn(`switchboard: subscription on channel ${next.channel} is recovering`, fields);
    else if (state === 'live' && previous.state !== 'live') this.logger.info(`switchboard: subscription on channel ${next.channel} is live again`, fields);
    try {
      this.listener?.(this.status);
    } catch {
      // The application's listener must not break the consumer that reports through it.
    }
  }
}
