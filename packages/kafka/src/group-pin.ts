import type { Kafka } from 'kafkajs';

export interface PinOptions {
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Upper bound for join + commit. */
  timeoutMs: number;
}

/**
 * Commits `offsets` for a consumer group by joining it briefly with a consumer that never fetches.
 * Same approach as kafkajs' `admin.setOffsets`, whose internal consumer waits its default 5 s
 * fetch long-poll before returning; this one uses a 10 ms poll, so pinning costs one group join.
 * The group must have no running member (the caller checks).
 */
export async function commitGroupOffsets(
  kafka: Kafka,
  groupId: string,
  topic: string,
  offsets: { partition: number; offset: string }[],
  options: PinOptions,
): Promise<void> {
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 10,
    sessionTimeout: options.sessionTimeoutMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // The first fetch applies the seeks (committing them, since autoCommit is on) before it fetches.
    const fetched = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
      timer = setTimeout(() => reject(new Error(`committing offsets of group "${groupId}" took over ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    // Not awaited: run() creates the group state synchronously, so pause and seek below are in
    // place before the join completes and before the first fetch.
    const running = consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => {} });
    consumer.pause([{ topic }]);
    for (const { partition, offset } of offsets) consumer.seek({ topic, partition, offset });
    await Promise.all([running, fetched]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
}
