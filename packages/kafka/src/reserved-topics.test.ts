import { describe, expect, it } from 'vitest';
import { ConfigError } from '@switchboard/core';
import { checkReservedTopicNames } from './reserved-topics.js';

describe('reserved topic names', () => {
  it.each(['orders.replies', 'orders.delay', 'orders.x.retry', 'orders.priority-2'])('refuses channel %s, and the same ending on a mapped topic', (name) => {
    expect(() => checkReservedTopicNames(name, undefined)).toThrow(ConfigError);
    expect(() => checkReservedTopicNames('orders', name)).toThrow(new RegExp(`Topic "${name.replace('.', '\\.')}" of channel "orders" ends in`));
  });

  it('accepts look-alikes that do not end like a derived topic', () => {
    for (const name of ['orders.replies.v2', 'delay', 'orders-retry', 'orders.priority-high', 'orders']) {
      expect(() => checkReservedTopicNames(name, name)).not.toThrow();
    }
  });
});
