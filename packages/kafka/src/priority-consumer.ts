import type { ConsumerHandle, ConsumerStatus, DeliverFn, Logger } from '@switchboard/core';
import type { KafkaMessage } from 'kafkajs';
import type { DeliveryFactory, GroupConsumer } from './group-consumer.js';
import { PartitionTags } from './partition-tags.js';
import { bucketBufferSize, PRIORITY_HEADER, STARVATION_LIMIT } from './priority-buckets.js';
import { PriorityGate } from './priority-gate.js';
import { WorstStatus } from './worst-status.js';

/** How one level is consumed: its topic, its consumer group, and how its consumer is started. */
export interface BucketConsumerStart {
  level: number;
  topic: string;
  groupId: string;
  /** Wrapped `deliver` and `toDelivery` for the level's consumer, and its assignment callback. */
  deliver: DeliverFn;
  toDelivery: DeliveryFactory;
  onAssign(partitions: number[]): void;
  /** The level's progress reports, combined with the other levels' into the subscription's. */
  status(status: ConsumerStatus): void;
}

export interface PriorityConsumerConfig {
  levels: { topic: string; groupId: string }[];
  concurrency: number;
  deliver: DeliverFn;
  /** Builds deliveries of a level's records (the plain factory of its topic). */
  toDelivery(level: number): DeliveryFactory;
  /** Starts a committing consumer for one level (resolves once it joined). */
  start(bucket: BucketConsumerStart): Promise<GroupConsumer>;
  /**
   * Partitions of `topic` (among `partitions`) where group `groupId` has not read to the end: the
   * messages a level may still have waiting that its consumer has not fetched yet.
   */
  unread(groupId: string, topic: string, partitions: number[]): Promise<number[]>;
  logger: Logger;
  label: string;
  /** Longest wait for a level's unread partitions to show a record before lower levels go on anyway. */
  settleTimeoutMs: number;
  /** The subscription's progress reports: the worst state of any level. */
  status?: (status: ConsumerStatus) => void;
}

/**
 * A subscription of a priority channel: one committing consumer per level (bucket topic), each in
 * its own consumer group, all feeding one {@link PriorityGate}. Offsets stay per consumer, so each
 * bucket topic commits only up to its first unfinished message, as any channel does.
 *
 * At every assignment a level is unknown until the broker's committed offsets and log ends show
 * which of its partitions hold unread messages and a record of each of those was fetched; lower
 * levels wait meanwhile (a condition, bounded by `settleTimeoutMs` for partitions whose remaining
 * records are never handed over, such as transaction markers).
 */
export class PriorityConsumer implements ConsumerHandle {
  private readonly gate: PriorityGate;
  /** Which partition each delivery came from: the gate orders and drops per partition. */
  private readonly partitions = new PartitionTags();
  private readonly consumers: GroupConsumer[] = [];
  /** Per level: assignment generation, so a stale probe does not overwrite a newer assignment. */
  private readonly generations: number[];
  /** Per level: the partitions of its last assignment. */
  private readonly assignments: (Set<number> | undefined)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** The subscription reports the worst state of its levels. */
  private readonly statuses: WorstStatus;

  constructor(private readonly config: PriorityConsumerConfig) {
    this.gate = new PriorityGate({
      levels: config.levels.length,
      concurrency: config.concurrency,
      bufferSize: bucketBufferSize(config.concurrency),
      starvationLimit: STARVATION_LIMIT,
      deliver: config.deliver,
    });
    this.generations = config.levels.map(() => 0);
    this.statuses = new WorstStatus(config.status);
  }

  /** Starts every level's consumer, highest first; resolves once all joined. */
  async start(): Promise<void> {
    try {
      const started = await Promise.allSettled(
        this.config.levels.map(async ({ topic, groupId }, level) => {
          const tagged = this.partitions.tagging(this.config.toDelivery(level));
          const toDelivery: DeliveryFactory = (message, partition, ack, redelivered) => {
            const delivery = tagged(message, partition, ack, redelivered);
            if (delivery === undefined) this.gate.known(level, partition);
            else withPriority(delivery, message);
            return delivery;
          };
          const consumer = await this.config.start({
            level,
            topic,
            groupId,
            toDelivery,
            deliver: (delivery) => this.gate.deliverFor(level, this.partitions.of(delivery) ?? 0, delivery),
            onAssign: (partitions) => this.onAssign(level, topic, groupId, partitions),
            status: this.statuses.of(level),
          });
          this.consumers.push(consumer);
        }),
      );
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private onAssign(level: number, topic: string, groupId: string, partitions: number[]): void {
    const generation = (this.generations[level] ?? 0) + 1;
    this.generations[level] = generation;
    const before = this.assignments[level] ?? new Set<number>();
    this.assignments[level] = new Set(partitions);
    // Partitions this consumer already had and showed a record of are known (what it fetched of them
    // is buffered or handed out); the others are probed (again: a rejoin makes an earlier probe stale).
    const unknown = this.gate.unknownPartitions(level);
    const fresh = partitions.filter((p) => !before.has(p) || unknown === undefined || unknown.has(p));
    if (level === 0 || fresh.length === 0) {
      this.gate.assigned(level, partitions, []);
      return;
    }
    // Unknown until the probe says which of them hold unread messages.
    this.gate.assigned(level, partitions, fresh);
    void this.config.unread(groupId, topic, fresh).then(
      (unread) => {
        if (this.closed || generation !== this.generations[level]) return;
        const pending = new Set(unread);
        for (const partition of fresh) if (!pending.has(partition)) this.gate.known(level, partition);
        if (pending.size > 0) this.settleLater(level, generation, topic);
      },
      (error: unknown) => {
        if (this.closed || generation !== this.generations[level]) return;
        this.config.logger.warn(`switchboard kafka: ${this.config.label}: could not read the offsets of "${topic}"; lower priority levels are not held back for it`, {
          error: (error as Error).message,
        });
        this.gate.forget(level);
      },
    );
  }

  /**
   * Bounds the wait for unread partitions that never show a record (their remaining records are
   * transaction markers, or already handed out before a rebalance): once the level has had nothing
   * buffered or in flight for `settleTimeoutMs`, lower levels go on.
   */
  private settleLater(level: number, generation: number, topic: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || generation !== this.generations[level] || !this.gate.isUnknown(level)) return;
      if (this.gate.busy(level)) {
        this.settleLater(level, generation, topic);
        return;
      }
      this.config.logger.debug(`switchboard kafka: ${this.config.label}: level ${level} showed no record of its unread partitions in time; lower levels go on`, { topic });
      this.gate.forget(level);
    }, this.config.settleTimeoutMs);
    this.timers.add(timer);
  }

  /** Messages waiting locally per level, lowest first (for tests and diagnostics). */
  get waiting(): number[] {
    return this.gate.waiting;
  }

  async stop(): Promise<void> {
    this.gate.stop();
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.gate.stop();
    await Promise.allSettled(this.consumers.map((c) => c.close()));
  }

  lag(): number | undefined {
    let total: number | undefined;
    for (const consumer of this.consumers) {
      const lag = (consumer as GroupConsumer & { lag?: () => number | undefined }).lag?.();
      if (lag !== undefined) total = (total ?? 0) + lag;
    }
    return total;
  }
}

/** Gives the delivery its published priority back. */
function withPriority(delivery: object, message: KafkaMessage): void {
  const header = message.headers?.[PRIORITY_HEADER];
  const value = Array.isArray(header) ? header.at(-1) : header;
  if (value !== undefined) {
    const priority = Number(value.toString());
    if (Number.isInteger(priority) && priority >= 0) (delivery as { priority?: number }).priority = priority;
  }
}

