import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect, type Bus, type Message } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterAll, expect, it } from 'vitest';
import { describeWithBroker, FAST_GROUPS, KAFKA_URL } from './kafka-env.js';

// The project's broker script: `kill` is kill -9, `up` starts it and waits until it serves.
const BROKER_SCRIPT = fileURLToPath(new URL('../../../test/brokers/kafka.mjs', import.meta.url));
const broker = async (command: 'kill' | 'up'): Promise<void> => {
  await promisify(execFile)(process.execPath, [BROKER_SCRIPT, command], { timeout: 120_000 });
};

type Api = { subscribe(g: string, h: (m: Message) => Promise<void>, o: object): Promise<{ close(): Promise<void> }>; publish(p: unknown, o?: object): Promise<void> };

describeWithBroker('kafka broker crash', () => {
  afterAll(async () => {
    // Whatever happened below, leave Kafka running for the next suite.
    await broker('up');
  });

  it('kill -9 during 10,000 confirmed publishes with a consumer running: every confirmed message is handled', async () => {
    const ch = `sbk-crash-${randomBytes(4).toString('hex')}`;
    const total = 10_000;
    const bus = (await connect({ url: KAFKA_URL, options: { ...FAST_GROUPS }, channels: { [ch]: { requires: { durable: true } } } })) as unknown as Bus<never>;
    const channel = bus.channel(ch) as unknown as Api;
    const handled = new Map<number, number>();
    let lastHandledAt = 0;
    const handledAt: number[] = [];
    let killedAt = 0;
    await channel.subscribe(
      'g',
      async (m) => {
        const n = m.payload as { n: number };
        handled.set(n.n, (handled.get(n.n) ?? 0) + 1);
        lastHandledAt = Date.now();
        if (killedAt > 0) handledAt.push(lastHandledAt);
      },
      { concurrency: 32 },
    );

    const confirmed = new Set<number>();
    const confirmedAt: number[] = [];
    let failures = 0;
    let firstFailure = '';
    const failureCodes = new Map<string, number>();
    let next = 0;
    let killing: Promise<void> | undefined;
    let upAt = 0;
    // 100 publishers in parallel; a publish that fails is tried again, as an application would.
    const worker = async (): Promise<void> => {
      while (next < total) {
        const n = next++;
        const payload = { n, pad: 'x'.repeat(200) };
        for (;;) {
          try {
            await channel.publish(payload, { key: `k${n % 97}` });
            confirmed.add(n);
            if (killedAt > 0) confirmedAt.push(Date.now());
            break;
          } catch (error) {
            failures++;
            firstFailure ||= `${(error as Error).message} after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`;
            const code = (error as { code?: string }).code ?? 'unknown';
            failureCodes.set(code, (failureCodes.get(code) ?? 0) + 1);
          }
        }
        if (confirmed.size >= 3000 && killing === undefined) {
          killedAt = Date.now();
          killing = broker('kill').then(() => broker('up')).then(() => void (upAt = Date.now()));
        }
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    await killing;
    await waitFor(() => [...confirmed].every((n) => handled.has(n)), { timeoutMs: 120_000, intervalMs: 200, message: 'every confirmed message handled' });

    const deliveries = [...handled.values()].reduce((a, b) => a + b, 0);
    const firstConfirmAfterUp = confirmedAt.find((t) => t >= upAt) ?? 0;
    const firstHandledAfterUp = handledAt.find((t) => t >= upAt) ?? 0;
    console.log(
      `broker kill -9 after 3000 confirmed: broker back after ${((upAt - killedAt) / 1000).toFixed(1)} s; ` +
        `publishing resumed ${((firstConfirmAfterUp - upAt) / 1000).toFixed(1)} s after the broker was up; ` +
        `consumer handled again ${((firstHandledAfterUp - upAt) / 1000).toFixed(1)} s after the broker was up; ` +
        `all ${confirmed.size} confirmed handled ${((lastHandledAt - killedAt) / 1000).toFixed(1)} s after the kill; ` +
        `publish failures retried by the app: ${failures} (${[...failureCodes].map(([c, k]) => `${c}×${k}`).join(', ') || 'none'}${firstFailure && `; first: ${firstFailure}`}); ` +
        `duplicates delivered: ${deliveries - handled.size}`,
    );
    expect(confirmed.size).toBe(total);
    await bus.close();
  });
});
