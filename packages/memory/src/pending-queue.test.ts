import { describe, expect, it } from 'vitest';
import { PendingQueue } from './pending-queue.js';
import { StoredMessage } from './stored-message.js';

const msg = (id: string, priority?: number, expiresAt = Infinity) =>
  new StoredMessage({ body: Buffer.alloc(0), headers: {}, id, timestamp: 0, ...(priority !== undefined && { priority }) }, 0, 0, expiresAt, false, undefined);

const drain = (q: PendingQueue) => {
  const ids: string[] = [];
  for (let m = q.shift(); m !== undefined; m = q.shift()) ids.push(m.wire.id);
  return ids;
};

describe('PendingQueue', () => {
  it('serves higher priority first, FIFO within a level', () => {
    const q = new PendingQueue();
    q.push(msg('a', 1));
    q.push(msg('b'));
    q.push(msg('c', 9));
    q.push(msg('d', 1));
    q.push(msg('e', 9));
    expect(q.size).toBe(5);
    expect(drain(q)).toEqual(['c', 'e', 'a', 'd', 'b']);
    expect(q.size).toBe(0);
  });

  it('puts a taken-back message at the front of its level', () => {
    const q = new PendingQueue();
    q.push(msg('a', 2));
    q.push(msg('b', 2));
    q.unshift(msg('z', 2));
    expect(drain(q)).toEqual(['z', 'a', 'b']);
  });

  it('drops expired heads and reports the next head expiry', () => {
    const q = new PendingQueue();
    q.push(msg('old', 0, 10));
    q.push(msg('live', 0, 50));
    q.push(msg('behind', 0, 5));
    q.push(msg('p', 3, 20));
    expect(q.dropExpiredHeads(10)).toBe(20);
    expect(q.size).toBe(3);
    expect(drain(q)).toEqual(['p', 'live', 'behind']);
  });
});
