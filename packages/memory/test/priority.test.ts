import { describe, expect, it } from 'vitest';
import { connect, type Message } from '@switchboard/core';
import { Recorder, waitFor } from '@switchboard/testkit';

describe('memory priority', () => {
  it('a higher-priority message overtakes a waiting backlog while the consumer is busy', async () => {
    const bus = await connect({ url: 'memory://priority-busy', channels: { jobs: { requires: { priority: true } } } });
    const jobs = bus.channel('jobs');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    await jobs.subscribe(
      'workers',
      async (m: Message) => {
        seen.push(m.payload as string);
        if (m.payload === 'first') await gate;
      },
      { concurrency: 1 },
    );
    await jobs.publish('first', { priority: 0 });
    await waitFor(() => seen.length === 1, { message: 'first in flight' });
    for (let i = 0; i < 50; i++) await jobs.publish(`low-${i}`, { priority: 1 });
    await jobs.publish('mid', { priority: 5 });
    await jobs.publish('urgent', { priority: 9 });
    await jobs.publish('mid-2', { priority: 5 });
    release();
    await waitFor(() => seen.length === 54, { message: 'all handled' });
    expect(seen.slice(0, 4)).toEqual(['first', 'urgent', 'mid', 'mid-2']);
    expect(seen.slice(4)).toEqual(Array.from({ length: 50 }, (_, i) => `low-${i}`));
    await bus.close();
  });

  it('is plain FIFO on a channel that did not declare priority', async () => {
    const bus = await connect({ url: 'memory://priority-fifo', channels: { plain: { groups: ['g'] } } });
    for (let i = 0; i < 20; i++) await bus.channel('plain').publish(i);
    const recorder = new Recorder();
    await bus.channel('plain').subscribe('g', recorder.handler, { concurrency: 1 });
    await recorder.waitForCount(20);
    expect(recorder.payloads).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(recorder.messages[0]?.priority).toBeUndefined();
    await bus.close();
  });
});
