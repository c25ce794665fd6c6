import type { ICustomPartitioner, Message } from 'kafkajs';
import { Partitioners } from './kafkajs-runtime.js';

/** Where a record was placed at its first attempt; retries reuse it. */
const PLACED = Symbol('switchboard.partition');
type Placed = Message & { [PLACED]?: number };

/** The partition a record was sent to: where {@link placementPartitioner} placed it, or its explicit one. */
export function placedPartition(message: Message): number | undefined {
  const placed = (message as Placed)[PLACED];
  if (placed !== undefined) return placed;
  return message.partition ?? undefined;
}

/**
 * Places records with the producer's own partition metadata, so a record never names a partition
 * the producer does not know yet (kafkajs would silently drop it) and partitions added to a topic
 * are used as soon as the producer's metadata shows them (`metadataMaxAgeMs`).
 *
 * Keyed records: murmur2 of the key modulo the partition count, the Java client's placement.
 * Unkeyed: round-robin. Either way the first placement of a record sticks: kafkajs runs the
 * partitioner again on every retry, and an idempotent producer must resend a record to the same
 * partition (with the same sequence numbers) or the broker may drop a newer batch as a duplicate.
 */
export const placementPartitioner: ICustomPartitioner = () => {
  const byKey = Partitioners.DefaultPartitioner();
  let roundRobin = Math.floor(Math.random() * 1024);
  return (args) => {
    const message = args.message as Placed;
    const placed = message[PLACED];
    if (placed !== undefined) return placed;
    const count = args.partitionMetadata.length;
    let partition: number;
    if (message.partition !== undefined && message.partition !== null) partition = message.partition;
    else if (message.key !== undefined && message.key !== null) partition = byKey(args);
    else partition = roundRobin++ % count;
    message[PLACED] = partition;
    return partition;
  };
};
