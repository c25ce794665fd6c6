import type { Logger } from '@switchboard/core';
import type { Kafka as KafkaClient, SASLOptions } from 'kafkajs';
import type { PinOptions } from './group-pin.js';
import type { KafkaEndpoint } from './kafka-url.js';
import { Kafka } from './kafkajs-runtime.js';
import { createLogCreator, kafkaLogLevel } from './log-creator.js';
import type { ResolvedKafkaOptions } from './options.js';

/** The bus's kafkajs client: brokers, TLS and SASL from the URL unless the options set them, timeouts, retries, logging through the bus logger. */
export function createKafkaClient(endpoint: KafkaEndpoint, options: ResolvedKafkaOptions, logger: Logger): KafkaClient {
  const sasl = options.sasl ?? endpoint.sasl;
  const ssl = options.ssl ?? (endpoint.tls ? true : undefined);
  return new Kafka({
    clientId: options.clientId,
    brokers: endpoint.brokers,
    ...(ssl !== undefined && { ssl: ssl as boolean }),
    ...(sasl !== undefined && { sasl: sasl as SASLOptions }),
    connectionTimeout: options.connectAttemptTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    retry: {
      retries: options.retry.retries,
      initialRetryTime: options.retry.initialRetryTimeMs,
      maxRetryTime: options.retry.maxRetryTimeMs,
    },
    logLevel: kafkaLogLevel(options.clientLogLevel),
    logCreator: createLogCreator(logger),
  });
}

/** Group timings for pinning a new consumer group's offsets (see group-pin). */
export function pinOptionsOf(o: ResolvedKafkaOptions): PinOptions {
  return {
    sessionTimeoutMs: o.sessionTimeoutMs,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs,
    timeoutMs: o.connectTimeoutMs + o.rebalanceTimeoutMs,
  };
}
