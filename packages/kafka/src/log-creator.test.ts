import type { Logger } from '@switchboard/core';
import { describe, expect, it } from 'vitest';
import { logLevel } from './kafkajs-runtime.js';
import { createLogCreator } from './log-creator.js';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('createLogCreator', () => {
  it('routes kafkajs lines to the bus logger; errors kafkajs retries by itself arrive at debug, others at error', () => {
    const logger = recorder();
    const log = createLogCreator(logger)(logLevel.ERROR);
    const line = (level: number, message: string, error?: string) =>
      log({ namespace: 'Connection', level, label: 'ERROR', log: { message, timestamp: '', logger: 'kafkajs', ...(error !== undefined && { error }) } });
    // A topic created a moment ago, not yet in a KRaft broker's metadata: kafkajs retries it.
    line(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', 'This server does not host this topic-partition');
    line(logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', 'There is no leader for this topic-partition as we are in the middle of a leadership election');
    line(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', 'The request included a message larger than the max message size the server will accept');
    line(logLevel.INFO, 'Starting');
    expect(logger.lines).toEqual([
      'debug kafkajs Connection: Response Metadata(key: 3, version: 6)',
      'debug kafkajs Connection: Response Metadata(key: 3, version: 6)',
      'error kafkajs Connection: Response Produce(key: 0, version: 7)',
      'debug kafkajs Connection: Starting',
    ]);
  });
});
