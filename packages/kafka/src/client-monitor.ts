import type { BackendEvents, ConnectionState, ConnectionStatus } from '@switchboard/core';
import type { Consumer, ConsumerConfig, Kafka, Producer, ProducerConfig } from 'kafkajs';
import { translateKafkaError } from './kafka-errors.js';

interface PartitionLag {
  end: number;
  committed: number;
}

/**
 * Connection state and consumer lag of every kafkajs client a bus creates, for `bus.health()`,
 * `bus.on('connection')` and the lag metric. kafkajs keeps no single connection (it talks to each
 * broker as needed), so a client counts as `lost` when it failed on a connection error (a crashed
 * consumer, a produce request that could not reach the cluster) and `ready` again at its next
 * successful exchange that proves progress: a completed fetch, a produce response. (A reconnect or a
 * group join does not: a consumer whose topic is gone reconnects and rejoins in a crash loop.)
 */
export class KafkaClientMonitor {
  private readonly connections = new Map<string, ConnectionStatus>();
  /** Consumer name → partition → the log end seen at the last fetch and the group's committed offset. */
  private readonly lags = new Map<string, Map<number, PartitionLag>>();
  private readonly names = new Set<string>();
  private events: BackendEvents | undefined;

  constructor(private readonly endpoint: string) {}

  observe(events: BackendEvents): void {
    this.events = events;
  }

  /** Wraps `kafka`'s producer factory so that every producer it creates (the publisher's) is watched. */
  watchProducers(kafka: Kafka): Kafka {
    const createProducer = kafka.producer.bind(kafka);
    kafka.producer = (config?: ProducerConfig) => this.watchProducer(createProducer(config));
    return kafka;
  }

  /**
   * The client a subscription's consumer is created from: consumers it creates are watched under
   * one name until `forget()` (short-lived helpers, such as the group pin, use the plain client).
   */
  consumerClient(kafka: Kafka, groupId: string): { kafka: Kafka; name: string; forget(): void } {
    let name = `consumer ${groupId}`;
    for (let n = 2; this.names.has(name); n++) name = `consumer ${groupId} (${n})`;
    this.names.add(name);
    const lags = new Map<number, PartitionLag>();
    this.lags.set(name, lags);
    const watched = Object.create(kafka, {
      consumer: { value: (config: ConsumerConfig) => this.watchConsumer(kafka.consumer(config), name, groupId, lags) },
    }) as Kafka;
    return {
      kafka: watched,
      name,
      forget: () => {
        if (this.connections.has(name)) this.set(name, 'closed');
        this.connections.delete(name);
        this.lags.delete(name);
        this.names.delete(name);
      },
    };
  }

  health(): ConnectionStatus[] {
    return [...this.connections.values()].map((status) => ({ ...status }));
  }

  /**
   * Messages the consumer `name` has not committed yet, up to the log end its last fetch saw, summed
   * over its assigned partitions: the lag Kafka's own tools show, fetched-but-unfinished included.
   */
  lag(name: string): number | undefined {
    const partitions = this.lags.get(name);
    if (partitions === undefined || partitions.size === 0) return undefined;
    let total = 0;
    for (const { end, committed } of partitions.values()) total += Math.max(0, end - committed);
    return total;
  }

  /** Every client counts as closed (the bus closed). */
  closeAll(): void {
    for (const name of [...this.connections.keys()]) this.set(name, 'closed');
    this.connections.clear();
    this.lags.clear();
    this.names.clear();
  }

  private watchProducer(producer: Producer): Producer {
    const name = 'producer';
    producer.on(producer.events.CONNECT, () => this.set(name, 'ready'));
    producer.on(producer.events.REQUEST, () => this.recovered(name));
    const send = producer.sendBatch.bind(producer);
    producer.sendBatch = (batch) =>
      send(batch).then(
        (result) => {
          this.recovered(name);
          return result;
        },
        (error: unknown) => {
          const translated = translateKafkaError(error, 'producing');
          if (translated.code === 'SB_CONNECTION') this.set(name, 'lost', translated);
          throw error;
        },
      );
    return producer;
  }

  private watchConsumer(consumer: Consumer, name: string, groupId: string, lags: Map<number, PartitionLag>): Consumer {
    // kafkajs disconnects and connects again on its own after a crash: only the first connect counts.
    consumer.on(consumer.events.CONNECT, () => void (this.connections.has(name) || this.set(name, 'ready')));
    consumer.on(consumer.events.CRASH, (event) => this.set(name, 'lost', translateKafkaError(event.payload.error, `consumer group "${groupId}"`)));
    consumer.on(consumer.events.FETCH, () => this.recovered(name));
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const assigned = new Set(Object.values(event.payload.memberAssignment).flat());
      for (const partition of lags.keys()) if (!assigned.has(partition)) lags.delete(partition);
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
      const { partition, highWatermark, firstOffset } = event.payload;
      const end = Number(highWatermark);
      if (!Number.isFinite(end)) return;
      const known = lags.get(partition);
      // Until the first commit, the first fetched offset stands in for the committed one.
      if (known === undefined) lags.set(partition, { end, committed: Number(firstOffset) });
      else known.end = end;
    });
    consumer.on(consumer.events.COMMIT_OFFSETS, (event) => {
      for (const topic of event.payload.topics) {
        for (const { partition, offset } of topic.partitions) {
          const known = lags.get(Number(partition));
          const committed = Number(offset);
          if (known !== undefined && Number.isFinite(committed)) known.committed = committed;
        }
      }
    });
    return consumer;
  }

  private recovered(name: string): void {
    const current = this.connections.get(name);
    if (current !== undefined && current.state === 'lost') this.set(name, 'ready');
  }

  private set(name: string, state: ConnectionState, error?: Error): void {
    const previous = this.connections.get(name);
    if (previous !== undefined && previous.state === state && error === undefined) return;
    const status: ConnectionStatus = { name, state, since: previous?.state === state ? previous.since : new Date(), endpoint: this.endpoint };
    const last = error ?? previous?.error;
    if (last !== undefined) status.error = last;
    this.connections.set(name, status);
    if (previous?.state !== state) this.events?.connection({ ...status });
  }
}
