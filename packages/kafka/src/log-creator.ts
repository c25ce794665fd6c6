import type { Logger } from '@switchboard/core';
import type { logCreator, logLevel as LogLevel } from 'kafkajs';
import { logLevel } from './kafkajs-runtime.js';
import type { ResolvedKafkaOptions } from './options.js';

const LEVELS: Record<ResolvedKafkaOptions['clientLogLevel'], LogLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function kafkaLogLevel(level: ResolvedKafkaOptions['clientLogLevel']): LogLevel {
  return LEVELS[level];
}

/**
 * kafkajs warns about bounded retries on an idempotent producer because a failed send rolls its
 * sequence numbers back; the publisher replaces the producer after any failed send, which removes
 * that hazard, so the warning would only alarm operators.
 */
const HANDLED_WARNINGS = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

/**
 * Errors kafkajs logs at error level although it retries them by itself, typically while a fresh
 * broker elects its group coordinator or partition leaders, or (Kafka 4 in KRaft mode) while a
 * topic created a moment ago is not yet in the metadata a broker answers with: routine on a cold
 * start, so debug. When the retries run out, the operation itself fails with a typed error.
 */
const RETRIED_BY_KAFKAJS =
  /coordinator is not available|not the correct coordinator|coordinator is loading|leader not available|no leader for this topic-partition|not the leader for|does not host this topic-partition/i;

/**
 * Routes kafkajs' log lines into the bus logger instead of the console. kafkajs' INFO lines
 * ("Starting", "Stopped", member joins) are routine, so they arrive at debug.
 */
export function createLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const text = `kafkajs ${namespace}: ${message}`;
      const extra = { ...fields, namespace };
      if (HANDLED_WARNINGS.has(message) || RETRIED_BY_KAFKAJS.test(String((fields as { error?: unknown }).error ?? ''))) logger.debug(text, extra);
      else if (level === logLevel.ERROR) logger.error(text, extra);
      else if (level === logLevel.WARN) logger.warn(text, extra);
      else logger.debug(text, extra);
    };
}
