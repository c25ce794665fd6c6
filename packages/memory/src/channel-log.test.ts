import { describe, expect, it } from 'vitest';
import { ChannelLog } from './channel-log.js';
import { StoredMessage } from './stored-message.js';

const at = (time: number) => new StoredMessage({ body: Buffer.alloc(0), headers: {}, id: String(time), timestamp: time }, -1, time, Infinity, false, undefined);

describe('ChannelLog', () => {
  it('numbers messages, evicts beyond retention and keeps positions stable', () => {
    const log = new ChannelLog(3);
    for (let t = 0; t < 5; t++) log.append(at(t * 10));
    expect([log.firstSeq, log.nextSeq]).toEqual([2, 5]);
    expect(log.get(1)).toBeUndefined();
    expect(log.get(2)?.wire.id).toBe('20');
    expect(log.get(4)?.seq).toBe(4);
  });

  it('finds the first message at or after a time, even when the clock stepped back', () => {
    const log = new ChannelLog(100);
    for (const t of [10, 20, 15, 30]) log.append(at(t));
    expect(log.get(2)?.at).toBe(20);
    expect(log.seqAtOrAfter(0)).toBe(0);
    expect(log.seqAtOrAfter(20)).toBe(1);
    expect(log.seqAtOrAfter(21)).toBe(3);
    expect(log.seqAtOrAfter(31)).toBe(4);
  });
});
