import { describe, expect, it } from 'vitest';
import { chooseQueueType } from './queue-type.js';

describe('queue type choice', () => {
  it('auto: quorum for durable channels, classic when priority is required or durable is not declared', () => {
    expect(chooseQueueType({ durable: true }, undefined, 'auto').type).toBe('quorum');
    expect(chooseQueueType({ durable: 'native', workQueue: true }, 'auto', 'auto').type).toBe('quorum');
    expect(chooseQueueType({ durable: true, priority: true }, undefined, 'auto')).toEqual({ type: 'classic', why: 'the channel requires priority, which quorum queues lack' });
    // Preferred priority gives way to durability.
    expect(chooseQueueType({ durable: true, priority: 'preferred' }, undefined, 'auto').type).toBe('quorum');
    expect(chooseQueueType({ workQueue: true }, undefined, 'auto').type).toBe('classic');
  });

  it('an explicit choice wins: the channel\'s over the bus\'s', () => {
    expect(chooseQueueType({ priority: true }, 'quorum', 'auto')).toEqual({ type: 'quorum', why: "the channel sets queueType: 'quorum'" });
    expect(chooseQueueType({ durable: true }, undefined, 'classic')).toEqual({ type: 'classic', why: "the bus option queueType is 'classic'" });
    expect(chooseQueueType({ durable: true }, 'classic', 'quorum').type).toBe('classic');
    expect(chooseQueueType({}, 'auto', 'quorum').type).toBe('classic');
  });

  it('a dead-letter channel that declares nothing follows its channel', () => {
    expect(chooseQueueType({}, undefined, 'auto', 'quorum')).toEqual({ type: 'quorum', why: "its channel's queues are quorum" });
    expect(chooseQueueType({}, undefined, 'auto', 'classic').type).toBe('classic');
    expect(chooseQueueType({}, 'classic', 'auto', 'quorum').type).toBe('classic');
  });
});
