import type { Attributes, BatchObservableCallback, Counter, Histogram, Meter, ObservableGauge, ObservableUpDownCounter } from '@opentelemetry/api';
import type { WireMessage } from '../spi.js';
import { errorType } from './error-type.js';
import { ATTR, DURATION_BUCKETS, METRIC } from './semconv.js';

/** What the observable instruments read from each open subscription when the SDK collects. */
export interface SubscriptionGauge {
  channel: string;
  group?: string;
  /** Handlers running right now. */
  running: number;
  /** Messages behind the end of the log, where the backend knows it (Kafka). */
  lag: number | undefined;
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

/**
 * Per channel and group: deliveries counted since the last flush. A delivery is one integer
 * increment; the counts are added to the counters once per collection (and at close), because a
 * counter hashes its attribute set on every add, a visible cost per message.
 */
export interface ConsumerTally {
  readonly attributes: Attributes;
  consumed: number;
  retried: number;
  deadLettered: number;
}

/**
 * The bus's instruments, created once per bus. Counters and histograms are recorded with
 * attribute objects built once per channel or subscription, so a message costs no allocation.
 */
export class MessagingMetrics {
  readonly sent: Counter;
  readonly operationDuration: Histogram;
  readonly processDuration: Histogram;
  private readonly consumed: Counter;
  private readonly retried: Counter;
  private readonly deadLettered: Counter;
  private readonly active: ObservableUpDownCounter;
  private readonly lag: ObservableGauge;
  private readonly tallies = new Map<string, ConsumerTally>();
  private observer: BatchObservableCallback | undefined;

  constructor(
    private readonly meter: Meter,
    readonly system: string,
  ) {
    const duration = { unit: 's', advice: { explicitBucketBoundaries: DURATION_BUCKETS } };
    this.sent = meter.createCounter(METRIC.sent, { unit: '{message}', description: 'Messages the producer attempted to send to the broker.' });
    this.consumed = meter.createCounter(METRIC.consumed, { unit: '{message}', description: 'Messages delivered to the application.' });
    this.operationDuration = meter.createHistogram(METRIC.operationDuration, { ...duration, description: 'Duration of a publish (batch send to confirm) or request.' });
    this.processDuration = meter.createHistogram(METRIC.processDuration, { ...duration, description: 'Duration of one handler run.' });
    this.retried = meter.createCounter(METRIC.retried, { unit: '{message}', description: 'Handler failures that were retried (in-process or through the broker).' });
    this.deadLettered = meter.createCounter(METRIC.deadLettered, { unit: '{message}', description: 'Messages sent to <channel>.dead after their last attempt or an invalid payload.' });
    this.active = meter.createObservableUpDownCounter(METRIC.active, { unit: '{message}', description: 'Handlers running right now.' });
    this.lag = meter.createObservableGauge(METRIC.lag, { unit: '{message}', description: 'Messages behind the end of the log at the last fetch (Kafka).' });
  }

  /** Attributes of a channel's producer operations. */
  producerAttributes(channel: string, operation: string): Attributes {
    return { [ATTR.system]: this.system, [ATTR.destination]: channel, [ATTR.operationName]: operation, [ATTR.operationType]: 'send' };
  }

  /** Attributes of a subscription's deliveries. */
  consumerAttributes(channel: string, group: string | undefined): Attributes {
    const attributes: Attributes = { [ATTR.system]: this.system, [ATTR.destination]: channel, [ATTR.operationName]: 'process', [ATTR.operationType]: 'process' };
    if (group !== undefined) attributes[ATTR.consumerGroup] = group;
    return attributes;
  }

  /** The tally of a channel's group (shared by every subscription of it, kept when they close). */
  tally(channel: string, group: string | undefined): ConsumerTally {
    const key = `${channel}\n${group ?? ''}`;
    let tally = this.tallies.get(key);
    if (tally === undefined) this.tallies.set(key, (tally = { attributes: this.consumerAttributes(channel, group), consumed: 0, retried: 0, deadLettered: 0 }));
    return tally;
  }

  /**
   * Wraps a batch send so that it counts the messages and times the send to the broker's confirm.
   * Batch-level: one clock read and two records per batch, not per message.
   */
  measureSend(channel: string, operation: string, send: (messages: WireMessage[]) => Promise<void>): (messages: WireMessage[]) => Promise<void> {
    const attributes = this.producerAttributes(channel, operation);
    return (messages) => {
      const start = performance.now();
      let sent: Promise<void>;
      try {
        sent = send(messages);
      } catch (error) {
        sent = Promise.reject(error);
      }
      sent.then(
        () => this.recordSend(messages.length, start, attributes),
        (error: unknown) => this.recordSend(messages.length, start, { ...attributes, [ATTR.errorType]: errorType(error) }),
      );
      return sent;
    };
  }

  recordSend(count: number, start: number, attributes: Attributes): void {
    this.sent.add(count, attributes);
    this.operationDuration.record(seconds(start), attributes);
  }

  recordProcess(start: number, attributes: Attributes, error?: unknown): void {
    this.processDuration.record(seconds(start), error === undefined ? attributes : { ...attributes, [ATTR.errorType]: errorType(error) });
  }

  /** Reports in-flight handlers and lag of whatever `subscriptions` yields at each collection. */
  observe(subscriptions: () => Iterable<SubscriptionGauge>): void {
    this.observer = (result) => {
      // The SDK runs observable callbacks before it reads the counters, so this collection has them.
      this.flush();
      for (const sub of subscriptions()) {
        const attributes = this.consumerAttributes(sub.channel, sub.group);
        result.observe(this.active, sub.running, attributes);
        if (sub.lag !== undefined) result.observe(this.lag, sub.lag, attributes);
      }
    };
    this.meter.addBatchObservableCallback(this.observer, [this.active, this.lag]);
  }

  /** Adds the counts since the last flush to the counters. */
  private flush(): void {
    for (const tally of this.tallies.values()) {
      if (tally.consumed > 0) this.consumed.add(tally.consumed, tally.attributes);
      if (tally.retried > 0) this.retried.add(tally.retried, tally.attributes);
      if (tally.deadLettered > 0) this.deadLettered.add(tally.deadLettered, tally.attributes);
      tally.consumed = tally.retried = tally.deadLettered = 0;
    }
  }

  /** Flushes the last counts and stops the observable callbacks (bus closed). */
  close(): void {
    this.flush();
    if (this.observer !== undefined) this.meter.removeBatchObservableCallback(this.observer, [this.active, this.lag]);
    this.observer = undefined;
  }
}
