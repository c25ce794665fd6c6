// Client settings both sides use. Each value mirrors a default of the Switchboard backend, so
// the raw baseline is configured the way the SDK configures the same client library.
export const SETTINGS = {
  /** Core's connect() default `requestTimeoutMs`. */
  requestTimeoutMs: 5_000,
  /** Core's default subscribe `concurrency`. */
  concurrency: 16,
  rabbitmq: {
    /** basic.qos the rabbitmq backend sets for a group subscription: min(concurrency × 2, 2000). */
    prefetch: 32,
    /** basic.qos of a responder: its concurrency. */
    responderPrefetch: 16,
  },
  kafka: {
    brokers: (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    /** Partitions the kafka backend creates topics with (`partitions` option default). */
    partitions: 3,
    /** Idempotent producer = acks=all (-1) plus broker-side dedup: the backend's default. */
    producer: { idempotent: true, maxInFlightRequests: 1 },
    /** Consumer group settings from the kafka backend's option defaults. */
    consumer: { sessionTimeout: 30_000, heartbeatInterval: 3_000, rebalanceTimeout: 60_000, maxWaitTimeInMs: 500, maxBytesPerPartition: 1_048_576 },
    /** The backend commits resolved offsets at most every `commitIntervalMs` (1 s). */
    autoCommitInterval: 1_000,
  },
};

/** A channel declaration with a diagnostic variant's fields merged in (`requires` merged name by name). */
export function withVariant(declaration, variant) {
  if (variant === undefined) return declaration;
  return { ...declaration, ...variant, requires: { ...declaration.requires, ...variant.requires } };
}
