import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connect, type Bus, type Logger, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterEach, expect, it } from 'vitest';
import { describeWithBroker, FAST_GROUPS, KAFKA_URL } from './kafka-env.js';

const unique = (prefix: string): string => `sbk-${prefix}-${randomBytes(4).toString('hex')}`;
const partitionOf = (position: string | undefined): number => Number(position?.split(':')[0]);
const opened: Bus<never>[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
});

async function open(channels: Record<string, object>, logger?: Logger): Promise<Bus<never>> {
  const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels, ...(logger && { logger }) })) as unknown as Bus<never>;
  opened.push(bus);
  return bus;
}

describeWithBroker('kafka consumer groups', () => {
  it('reports the partition bound and warns when a group has more consumers than partitions', async () => {
    const ch = unique('narrow');
    const warnings: string[] = [];
    const noop = (): void => {};
    const bus = await open({ [ch]: { requires: { workQueue: true }, partitions: 1 } }, { debug: noop, info: noop, error: noop, warn: (m) => void warnings.push(m) });
    expect(bus.capabilities.workQueue.limits).toMatchObject({ parallelism: 'partitions' });
    const channel = bus.channel(ch) as unknown as { subscribe(g: string, h: (m: Message) => void): Promise<unknown>; publish(p: unknown): Promise<void> };
    const handled: string[] = [];
    await channel.subscribe('g', () => void handled.push('a'));
    await channel.subscribe('g', () => void handled.push('b'));
    await waitFor(() => warnings.some((w) => /more consumers than partitions/.test(w)), { timeoutMs: 15_000, message: 'idle-member warning' });
    await channel.publish('x');
    await waitFor(() => handled.length === 1, { timeoutMs: 15_000 });
  });

  it('when one of two consumers is SIGKILLed mid-batch, the other takes over its partitions and nothing is lost', async () => {
    const ch = unique('takeover');
    const total = 3000;
    const bus = await open({ [ch]: { requires: { workQueue: true }, partitions: 4 } });
    const channel = bus.channel(ch) as unknown as { subscribe(g: string, h: (m: Message) => Promise<void>, o: object): Promise<unknown>; publish(p: unknown, o: object): Promise<void> };
    const parent: { n: number; partition: number; at: number }[] = [];
    await channel.subscribe(
      'workers',
      async (m) => {
        await new Promise((r) => setTimeout(r, 2));
        parent.push({ n: m.payload as number, partition: partitionOf(m.position), at: Date.now() });
      },
      { concurrency: 4 },
    );
    const child = fork(fileURLToPath(new URL('./fixtures/group-member.mjs', import.meta.url)), {
      env: { ...process.env, KAFKA_URL, CHANNEL: ch, GROUP: 'workers', DELAY_MS: '5', OPTIONS: JSON.stringify(FAST_GROUPS) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const childHandled: { n: number; partition: number }[] = [];
    let childReady = false;
    child.on('message', (m: { ready?: boolean; handled?: number; position?: string }) => {
      if (m.ready) childReady = true;
      if (m.handled !== undefined) childHandled.push({ n: m.handled, partition: partitionOf(m.position) });
    });
    try {
      await waitFor(() => childReady, { timeoutMs: 30_000, message: 'child subscribed' });
      await Promise.all(Array.from({ length: total }, (_, n) => channel.publish(n, { key: `k${n % 64}` })));
      await waitFor(() => childHandled.length >= 200, { timeoutMs: 30_000, message: 'child handled 200' });
      const childPartitions = new Set(childHandled.map((h) => h.partition));
      child.kill('SIGKILL');
      const killedAt = Date.now();
      const before = childHandled.length;
      await waitFor(() => new Set([...parent.map((p) => p.n), ...childHandled.map((h) => h.n)]).size === total, {
        timeoutMs: 60_000,
        message: 'every message handled by someone',
      });
      const takeover = parent.filter((p) => p.at > killedAt && childPartitions.has(p.partition));
      const duplicates = parent.length + childHandled.length - total;
      console.log(
        `takeover: child handled ${before} (partitions ${[...childPartitions].join(',')}) before SIGKILL; parent took over after ` +
          `${((takeover[0]?.at ?? killedAt) - killedAt) / 1000} s; all ${total} handled ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill; ` +
          `duplicates ${duplicates}`,
      );
      expect(takeover.length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
