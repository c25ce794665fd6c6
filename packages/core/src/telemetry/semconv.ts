/**
 * Attribute and instrument names from the OpenTelemetry messaging semantic conventions, plus
 * Switchboard's own (namespaced `switchboard.*`) for what the conventions do not define.
 */
export const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  consumerGroup: 'messaging.consumer.group.name',
  kafkaKey: 'messaging.kafka.message.key',
  errorType: 'error.type',
  attempt: 'switchboard.message.attempt',
  retryDelay: 'switchboard.retry.delay_ms',
  deadChannel: 'switchboard.dead_letter.channel',
  redelivered: 'switchboard.message.redelivered',
} as const;

export const METRIC = {
  sent: 'messaging.client.sent.messages',
  consumed: 'messaging.client.consumed.messages',
  operationDuration: 'messaging.client.operation.duration',
  processDuration: 'messaging.process.duration',
  active: 'switchboard.process.active',
  retried: 'switchboard.messages.retried',
  deadLettered: 'switchboard.messages.dead_lettered',
  lag: 'switchboard.consumer.lag',
} as const;

export const EVENT = {
  retry: 'switchboard.retry',
  deadLetter: 'switchboard.dead_letter',
} as const;

/**
 * The conventions' advice for messaging duration histograms (seconds): the SDK default buckets
 * (0 … 10 000) are meant for milliseconds and would put every message in the first two.
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
