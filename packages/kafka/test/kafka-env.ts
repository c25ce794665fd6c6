/** Where the kafka suites connect, and group timings small enough for quick joins and takeovers. */
export const KAFKA_URL = process.env['KAFKA_URL'] ?? 'kafka://127.0.0.1:9092';

/** Test-sized group timings (the broker allows sessions from 1 s and has no initial rebalance delay). */
export const FAST_GROUPS = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
  maxWaitTimeMs: 200,
} as const;
