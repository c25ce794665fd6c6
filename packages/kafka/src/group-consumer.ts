import { ConnectionError, type ConsumerHandle, type ConsumerStatus, type Delivery, type DeliverFn, type Logger } from '@switchboard/core';
import type { Consumer, ConsumerCrashEvent, ConsumerGroupJoinEvent, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { ConsumerHealth } from './consumer-health.js';
import { partitionAssigners, type AssignorName } from './java-assignors.js';
import { PartitionProgress } from './partition-progress.js';
import { translateKafkaError } from './kafka-errors.js';
import { retryTransient } from './transient-retry.js';
import type { ResolvedKafkaOptions } from './options.js';

/** Upper bound on how late a due heartbeat or interval commit is sent while a batch is handled. */
const BEAT_CHECK_MS = 100;

/** Longest wait for one offset commit before the next interval tries again (requestTimeoutMs if lower). */
const COMMIT_TIMEOUT_MS = 5_000;

/** Builds the Delivery for one record; returning undefined skips it (it counts as done). */
export type DeliveryFactory = (message: KafkaMessage, partition: number, ack: () => void, redelivered: boolean) => Delivery | undefined;

export interface GroupConsumerConfig {
  kafka: Kafka;
  options: ResolvedKafkaOptions;
  logger: Logger;
  topic: string;
  groupId: string;
  /** What the logs call it: `orders/billing`, `orders (replay)`. */
  label: string;
  /** Where a partition without a committed offset starts. */
  fromBeginning: boolean;
  /** False for replay: nothing is ever committed. */
  commit: boolean;
  /** Offsets to start from at the first assignment (replay); later assignments resume where delivery got to. */
  seekTo?: Map<number, string>;
  /** Partitions fetched concurrently; each partition's batch is handled in order. */
  partitionsConcurrently: number;
  deliver: DeliverFn;
  toDelivery: DeliveryFactory;
  /** Group protocols offered, in preference order (default: the `assignors` option). */
  assignors?: readonly AssignorName[];
  /** Progress reports for core (`ConsumeOptions.status`). */
  status?: (status: ConsumerStatus) => void;
  /** Called at every assignment with this member's partitions of `topic`, before they are fetched. */
  onAssign?: (partitions: number[]) => void;
  /** Fetch `minBytes`, when not the `minBytes` option. */
  minBytes?: number;
}

/**
 * One kafkajs consumer in one consumer group, feeding core through `deliver`. A fetched batch is
 * handed over message by message (awaiting core's backpressure), and the batch call returns only
 * when every handed-over message is finished, so the offset kafkajs commits after the batch never
 * passes an unfinished message. While it waits it keeps heartbeating.
 */
export class GroupConsumer implements ConsumerHandle {
  private consumer: Consumer | undefined;
  private stopping = false;
  private closed = false;
  /** Set at close(): batch calls stop waiting for core's room. */
  private abandoned = false;
  private joins = 0;
  private joinWaiters: ((error?: Error) => void)[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  /** Per assigned partition: what was handed out and what still runs. Dropped when the partition is revoked. */
  private readonly progress = new Map<number, PartitionProgress>();
  private committing: Promise<void> | undefined;
  private lastCommit = Date.now();
  private readonly roomWaiters = new Set<() => void>();
  /** Heartbeat-and-commit callbacks of the batches being handled, run by `keeper`. */
  private readonly beats = new Set<() => void>();
  private keeper: NodeJS.Timeout | undefined;
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly health: ConsumerHealth;

  constructor(private readonly config: GroupConsumerConfig) {
    this.health = new ConsumerHealth(config.status);
  }

  /** Connects, joins the group and resolves once this member has its assignment. */
  async start(): Promise<void> {
    const { kafka, options, groupId } = this.config;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      minBytes: this.config.minBytes ?? options.minBytes,
      maxBytesPerPartition: options.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      // Java-compatible group protocols, so Java consumers can share the group.
      partitionAssigners: partitionAssigners(this.config.assignors ?? options.assignors),
      // Partitions added to the topic make kafkajs rejoin (and the leader assign them) once seen.
      metadataMaxAge: options.metadataMaxAgeMs,
      retry: { retries: options.retry.retries, initialRetryTime: options.retry.initialRetryTimeMs, maxRetryTime: options.retry.maxRetryTimeMs },
    });
    this.consumer = consumer;
    this.health.attach(consumer);
    const period = Math.max(10, Math.min(BEAT_CHECK_MS, options.heartbeatIntervalMs, options.commitIntervalMs));
    this.keeper = setInterval(() => {
      for (const tick of this.beats) tick();
      if (Date.now() - this.lastCommit >= options.commitIntervalMs) void this.commit();
    }, period);
    consumer.on(consumer.events.GROUP_JOIN, (event) => this.onJoin(event));
    consumer.on(consumer.events.CRASH, (event) => this.onCrash(event));
    // Commit what finished before the group moves partitions, so their next owner repeats little.
    consumer.on(consumer.events.REBALANCING, () => void this.commit());
    const joined = this.nextJoin();
    try {
      await consumer.connect();
      // On a cluster, the broker asked may not know a topic created a moment ago (UNKNOWN_TOPIC_OR_PARTITION, retriable).
      await retryTransient(() => consumer.subscribe({ topics: [this.config.topic], fromBeginning: this.config.fromBeginning }), options.retry);
      await this.run(consumer);
      await joined;
    } catch (error) {
      this.closed = true;
      clearInterval(this.keeper);
      await consumer.disconnect().catch(() => {});
      throw translateKafkaError(error, `joining consumer group "${groupId}"`);
    }
  }

  private run(consumer: Consumer): Promise<void> {
    return consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.partitionsConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Resolves at the next GROUP_JOIN; rejects when none comes within the join budget. */
  private nextJoin(): Promise<void> {
    const { options, groupId } = this.config;
    const budget = options.connectTimeoutMs + options.rebalanceTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.joinWaiters = this.joinWaiters.filter((w) => w !== settle);
        reject(new ConnectionError(`Kafka: consumer group "${groupId}" did not assign partitions within ${budget} ms`));
      }, budget);
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        if (error === undefined) resolve();
        else reject(error);
      };
      this.joinWaiters.push(settle);
    });
  }

  private onJoin(event: ConsumerGroupJoinEvent): void {
    this.joins++;
    const { topic, label, logger, seekTo } = this.config;
    const assigned = event.payload.memberAssignment[topic] ?? [];
    // A revoked partition's late completions must not be committed over its new owner's progress.
    for (const partition of this.progress.keys()) if (!assigned.includes(partition)) this.progress.delete(partition);
    // kafkajs resolves commitOffsets without committing while its runner is down (crash, restart:
    // e.g. after the group coordinator's broker died), so a point it "confirmed" before this join
    // may never have reached the broker: commit every kept partition again.
    for (const progress of this.progress.values()) progress.committed = undefined;
    this.config.onAssign?.(assigned);
    const consumer = this.consumer;
    if (consumer !== undefined && !this.config.commit) {
      for (const partition of assigned) {
        // Replay: first assignment starts at the requested offsets, a later one (coordinator
        // failover, restart after a crash) where delivery got to, since nothing is committed.
        const point = this.progress.get(partition)?.commitPoint;
        const offset = point !== undefined ? String(point) : seekTo?.get(partition);
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
    }
    if (assigned.length === 0) {
      logger.warn(
        `switchboard kafka: ${label} got no partition of topic "${topic}": the group has more consumers than partitions, so this one stays idle until another leaves. Declare more partitions on the channel for more parallelism.`,
        { topic, groupId: this.config.groupId, memberId: event.payload.memberId },
      );
    } else {
      logger.debug(`switchboard kafka: ${label} assigned partitions`, { topic, partitions: assigned, generation: this.joins });
    }
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    for (const settle of waiters) settle();
  }

  private onCrash(event: ConsumerCrashEvent): void {
    const { error, restart } = event.payload;
    const { label, logger, groupId } = this.config;
    if (this.closed) return;
    const translated = translateKafkaError(error, `consuming as group "${groupId}"`, { groupId });
    if (this.joins === 0 && !restart) {
      // Never joined (group protocol conflict, authorization, missing topic): start() rejects
      // with the cause at once instead of waiting out the join budget.
      const waiters = this.joinWaiters;
      this.joinWaiters = [];
      for (const settle of waiters) settle(translated);
      if (waiters.length > 0) return;
    }
    this.health.crashed(translated, restart);
    if (restart) {
      logger.warn(`switchboard kafka: ${label} lost its connection; kafkajs restarts it`, { error: error.message });
      return;
    }
    // kafkajs gives up on errors it considers permanent; the broker may still come back, so retry slowly.
    const delay = this.config.options.retry.maxRetryTimeMs;
    logger.error(`switchboard kafka: ${label} stopped on an error; restarting it in ${delay} ms`, { error: translated.message });
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  private async restart(): Promise<void> {
    const consumer = this.consumer;
    if (this.closed || consumer === undefined) return;
    try {
      await consumer.connect();
      await this.run(consumer);
    } catch (error) {
      this.onCrash({ payload: { error: error as Error, groupId: this.config.groupId, restart: false } } as ConsumerCrashEvent);
    }
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const partition = batch.partition;
    const { toDelivery, deliver } = this.config;
    let progress = this.progress.get(partition);
    if (progress === undefined) this.progress.set(partition, (progress = new PartitionProgress()));
    const owner = progress;
    let heartbeatError: unknown;
    // kafkajs sends a heartbeat only when one is due. A failed one (rebalance, lost coordinator)
    // stops the hand-out and is rethrown for kafkajs to rejoin.
    let beating: Promise<void> | undefined;
    const tick = (): void => {
      if (heartbeatError !== undefined || beating !== undefined) return;
      beating = heartbeat().then(
        () => void (beating = undefined),
        (error: unknown) => {
          heartbeatError = error;
          beating = undefined;
        },
      );
    };
    // While this call waits for core's room, the consumer's one keeper timer heartbeats for it.
    this.beats.add(tick);
    let last: string | undefined;
    try {
      // kafkajs changes its running and seek state only between turns of the event loop, so it is
      // read at the start and after each wait for room (isStale builds a string key per call).
      let current = isRunning() && !isStale();
      for (const message of batch.messages) {
        if (this.stopping || heartbeatError !== undefined || !current) break;
        last = message.offset;
        const offset = Number(message.offset);
        if (owner.seen(offset)) continue;
        owner.dispatch(offset);
        const delivery = toDelivery(message, partition, () => owner.complete(offset), false);
        if (delivery === undefined) {
          owner.complete(offset);
          continue;
        }
        const room = deliver(delivery);
        if (room === undefined) continue;
        await this.roomFor(room);
        current = isRunning() && !isStale();
      }
    } finally {
      this.beats.delete(tick);
      await beating;
      // Moves kafkajs' fetch position only: with autoCommit off it never commits it.
      if (last !== undefined) resolveOffset(last);
    }
    if (heartbeatError !== undefined) throw heartbeatError;
  }

  /**
   * Commits every partition up to its first unfinished message, one request at a time. A failure
   * (rebalance, coordinator moved) is left for the next interval: the commit point only grows.
   */
  private commit(): Promise<void> {
    const consumer = this.consumer;
    if (!this.config.commit || consumer === undefined) return Promise.resolve();
    if (this.committing !== undefined) return this.committing;
    this.lastCommit = Date.now();
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    const points: [PartitionProgress, number][] = [];
    for (const [partition, progress] of this.progress) {
      const point = progress.commitPoint;
      if (point === undefined || point === progress.committed) continue;
      offsets.push({ topic: this.config.topic, partition, offset: String(point) });
      points.push([progress, point]);
    }
    if (offsets.length === 0) return Promise.resolve();
    // Bounded: kafkajs can leave a commit pending for good when the group coordinator's broker dies
    // (seen on the test cluster), and every later commit would wait behind it; the next interval
    // tries again on kafkajs' current coordinator. A late success of an abandoned commit can only
    // move the group back to an older point (duplicates, never a gap).
    let timer: NodeJS.Timeout | undefined;
    const bound = Math.min(this.config.options.requestTimeoutMs, COMMIT_TIMEOUT_MS);
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`offset commit not answered within ${bound} ms`)), bound);
    });
    this.committing = Promise.race([consumer.commitOffsets(offsets), expired])
      .then(
        () => {
          for (const [progress, point] of points) progress.committed = point;
        },
        (error: unknown) => this.config.logger.debug(`switchboard kafka: ${this.config.label} could not commit offsets; retrying at the next interval`, { error: (error as Error).message }),
      )
      .finally(() => {
        clearTimeout(timer);
        this.committing = undefined;
      });
    return this.committing;
  }

  /** Waits for core's room, or until close() gives up on the handlers that would make it. */
  private roomFor(room: Promise<void>): Promise<void> {
    if (this.abandoned) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.roomWaiters.delete(wake);
        resolve();
      };
      this.roomWaiters.add(wake);
      void room.then(wake);
    });
  }

  /** Stops handing out messages; what was handed out keeps being committed until close(). */
  async stop(): Promise<void> {
    this.stopping = true;
    try {
      // Paused partitions are not fetched, so the consumer idles instead of re-fetching what it will not deliver.
      this.consumer?.pause([{ topic: this.config.topic }]);
    } catch {
      // Not running (between a crash and its restart): nothing is being fetched anyway.
    }
  }

  /** Runs `cleanup` after close() disconnected (dropping a throwaway group, forgetting the handle). */
  afterClose(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** Commits what finished, leaves the group and disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stopping = true;
    this.closed = true;
    this.abandoned = true;
    clearTimeout(this.restartTimer);
    const waiters = this.joinWaiters;
    this.joinWaiters = [];
    for (const settle of waiters) settle(new ConnectionError('Kafka consumer closed before it joined its group'));
    for (const wake of [...this.roomWaiters]) wake();
    // Core drained the handlers before calling close(): commit what they finished, then leave the group.
    await this.committing;
    await this.commit();
    await this.consumer?.disconnect().catch((error: unknown) => {
      this.config.logger.warn(`switchboard kafka: ${this.config.label} did not disconnect cleanly`, { error: (error as Error).message });
    });
    clearInterval(this.keeper);
    for (const cleanup of this.cleanups) await cleanup().catch(() => {});
  }
}
