/** Defaults of created topics, shared by the topic admin, the options schema and the capability catalog (no kafkajs here). */

/** Partitions of a created topic unless the bus option `partitions` or the channel says otherwise. */
export const DEFAULT_PARTITIONS = 3;
/** What a durable channel's topic is created with on a cluster of three or more brokers. */
export const DURABLE_REPLICATION_FACTOR = 3;
/** `min.insync.replicas` of a durable channel's topic on a cluster of three or more brokers. */
export const DURABLE_MIN_INSYNC_REPLICAS = 2;
