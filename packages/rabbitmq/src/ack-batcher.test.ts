import type { Channel, Message } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { AckBatcher } from './ack-batcher.js';

function fakeChannel(): { channel: Channel; sent: Array<[number, boolean]> } {
  const sent: Array<[number, boolean]> = [];
  const channel = { ack: (message: Message, multiple = false) => sent.push([message.fields.deliveryTag, multiple]) } as unknown as Channel;
  return { channel, sent };
}

describe('AckBatcher', () => {
  it('acks a contiguous run from the oldest delivery with one multiple ack', () => {
    const { channel, sent } = fakeChannel();
    const acks = new AckBatcher(channel);
    for (const tag of [1, 2, 3, 4]) acks.delivered(tag);
    for (const tag of [3, 1, 2]) acks.ack(tag);
    acks.flushNow();
    expect(sent).toEqual([[3, true]]);
  });

  it('never settles a message still in its handler: acks beyond a gap go one by one', () => {
    const { channel, sent } = fakeChannel();
    const acks = new AckBatcher(channel);
    for (const tag of [1, 2, 3, 4, 5]) acks.delivered(tag);
    for (const tag of [2, 4, 5]) acks.ack(tag);
    acks.flushNow();
    expect(sent).toEqual([
      [2, false],
      [4, false],
      [5, false],
    ]);
    sent.length = 0;
    acks.ack(1);
    acks.ack(3);
    acks.flushNow();
    // 2 was acked already; `multiple` up to 3 settles just 1 and 3.
    expect(sent).toEqual([[3, true]]);
  });

  it('ignores repeated acks and every ack after close', () => {
    const { channel, sent } = fakeChannel();
    const acks = new AckBatcher(channel);
    acks.delivered(7);
    acks.ack(7);
    acks.ack(7);
    acks.flushNow();
    acks.ack(7);
    acks.flushNow();
    acks.delivered(8);
    acks.close();
    acks.ack(8);
    acks.flushNow();
    expect(sent).toEqual([[7, false]]);
  });

  it('flushes on its own on the next turn of the event loop', async () => {
    const { channel, sent } = fakeChannel();
    const acks = new AckBatcher(channel);
    acks.delivered(1);
    acks.delivered(2);
    acks.ack(1);
    acks.ack(2);
    expect(sent).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([[2, true]]);
  });
});
