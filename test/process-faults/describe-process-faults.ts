import { connect, SwitchboardError, type Bus } from '@switchboard/core';
import { waitFor } from '@switchboard/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startChild, type ChildApp } from './child-process.js';

export interface ProcessFaultTarget {
  name: string;
  url: string;
  /** Options for the test's own bus. */
  options?: Record<string, unknown>;
  /** Stops and starts the broker, resolving once it serves again. */
  restart(): Promise<void>;
  /** Drops every client connection abruptly (an operator closing them, a crash), resolving once the broker serves. */
  dropConnections(): Promise<void>;
  /**
   * Whether a short broker restart shows in `bus.health()` as a lost connection. RabbitMQ: yes, its
   * connection drops. Kafka: kafkajs retries requests under a restart of a few seconds without
   * failing, so nothing is reported lost.
   */
  restartShowsAsLost: boolean;
  /** Makes sure the broker is up, whatever a failed test left behind. */
  ensureUp(): Promise<void>;
  unique(prefix: string): string;
}

const RECOVERY_MS = 120_000;

/** Publishes until the broker confirms: the test's own bus goes through the same outage. */
async function publishSurely(bus: Bus<never>, channel: string, payload: unknown): Promise<void> {
  for (const deadline = Date.now() + RECOVERY_MS; ; ) {
    try {
      await (bus.channel(channel) as unknown as { publish(p: unknown): Promise<void> }).publish(payload);
      return;
    } catch (error) {
      if (!SwitchboardError.is(error) || !error.retriable || Date.now() > deadline) throw error;
      // Backoff between application retries while the broker is away.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * The application as its own `node` process with default settings, faulted from outside: it must
 * neither crash nor exit by itself, and must exit 0 when told to.
 */
export function describeProcessFaults(target: ProcessFaultTarget): void {
  describe(`${target.name} process faults`, () => {
    const children: ChildApp[] = [];
    const buses: Bus<never>[] = [];
    const child = (...args: Parameters<typeof startChild>): ChildApp => {
      const started = startChild(...args);
      children.push(started);
      return started;
    };
    afterEach(async () => {
      for (const c of children.splice(0)) if (c.exit === undefined) c.kill('SIGKILL');
      await Promise.all(buses.splice(0).map((b) => b.close()));
    });
    afterAll(() => target.ensureUp(), RECOVERY_MS);

    it('every call that once crashed the process rejects with a typed error; the process exits 0 only when told', { timeout: 120_000 }, async () => {
      const app = child('crashes', { URL: target.url, CHANNEL: target.unique('crash') });
      await app.waitFor((e) => e['done'] === true, 90_000, 'all crash cases');
      const outcomes = Object.fromEntries(app.events.filter((e) => e['case'] !== undefined).map((e) => [e['case'], e['outcome']]));
      for (const [name, outcome] of Object.entries(outcomes)) {
        const expected = name.startsWith('valid') || name === 'publish then close' ? 'resolved'
          : name.startsWith('payload') ? 'SB_CODEC'
          : name.startsWith('request timeoutMs 1 #') ? 'SB_TIMEOUT'
          : 'SB_CONFIG';
        expect([name, outcome]).toEqual([name, expected]);
      }
      expect(Object.keys(outcomes).length).toBe(4 * 2 + 3 + 6 + 20 + 1);
      expect(app.exit).toBeUndefined();
      app.kill();
      expect(await app.exited(30_000)).toBe(0);
    });

    it('a subscribe-only worker survives a broker restart and dropped connections, and handles what is published afterwards', { timeout: 3 * RECOVERY_MS }, async () => {
      const channel = target.unique('worker');
      const bus = (await connect({ url: target.url, options: target.options ?? {}, channels: { [channel]: { groups: ['w', 'observer'] } } })) as unknown as Bus<never>;
      buses.push(bus);
      // The test's own bus also subscribes, so its health shows the restart: lost, then ready and live again.
      const states: string[] = [];
      bus.on('connection', (status) => void states.push(status.state));
      await (bus.channel(channel) as unknown as { subscribe(g: string, h: () => void): Promise<unknown> }).subscribe('observer', () => {});
      const app = child('subscriber', { URL: target.url, CHANNEL: channel });
      await app.waitFor((e) => e['ready'] === true, 60_000, 'subscribed');
      await publishSurely(bus, channel, { n: 1 });
      await app.waitFor((e) => e['handled'] === 1, 30_000, 'message 1');

      await target.restart();
      await publishSurely(bus, channel, { n: 2 });
      await app.waitFor((e) => e['handled'] === 2, RECOVERY_MS, 'message 2, published after the restart');
      await waitFor(() => bus.health().ok, { timeoutMs: RECOVERY_MS, message: `bus.health().ok after the restart (${JSON.stringify(bus.health())})` });
      if (target.restartShowsAsLost) {
        expect(states.indexOf('lost')).toBeGreaterThanOrEqual(0);
        expect(states.lastIndexOf('ready')).toBeGreaterThan(states.indexOf('lost'));
      }

      await target.dropConnections();
      await publishSurely(bus, channel, { n: 3 });
      await app.waitFor((e) => e['handled'] === 3, RECOVERY_MS, 'message 3, published after the connections dropped');

      expect(app.exit).toBeUndefined();
      app.kill();
      expect(await app.exited(30_000)).toBe(0);
    });

    it('a publishing script loses nothing across a broker restart and exits 0 when done', { timeout: 4 * RECOVERY_MS }, async () => {
      const channel = target.unique('script');
      const total = 20_000;
      const bus = (await connect({ url: target.url, options: target.options ?? {}, channels: { [channel]: { groups: ['w'], requires: { durable: true } } } })) as unknown as Bus<never>;
      buses.push(bus);
      const handled = new Set<number>();
      await (bus.channel(channel) as unknown as { subscribe(g: string, h: (m: { payload: { n: number } }) => void, o: object): Promise<unknown> }).subscribe(
        'w',
        (m) => void handled.add(m.payload.n),
        { concurrency: 64 },
      );
      const app = child('publisher', { URL: target.url, CHANNEL: channel, TOTAL: String(total) });
      await app.waitFor((e) => typeof e['progress'] === 'number' && (e['progress'] as number) >= total / 4, 120_000, 'a quarter published');
      await target.restart();
      const done = await app.waitFor((e) => e['done'] === true, 3 * RECOVERY_MS, 'every message confirmed');
      expect(done['confirmed']).toBe(total);
      expect(await app.exited(60_000)).toBe(0);
      await waitFor(() => handled.size >= total, { timeoutMs: RECOVERY_MS, message: `all ${total} handled (have ${handled.size})` });
    });

    it('delayed messages confirmed before a broker restart arrive after it, none early, none lost', { timeout: 3 * RECOVERY_MS }, async () => {
      const channel = target.unique('delayed');
      const spec = { [channel]: { groups: ['w'], requires: { delayedDelivery: true, durable: true } } };
      const bus = (await connect({ url: target.url, options: target.options ?? {}, channels: spec })) as unknown as Bus<never>;
      buses.push(bus);
      const handled = new Map<number, number>();
      const typed = bus.channel(channel) as unknown as {
        publish(p: unknown, o: object): Promise<void>;
        subscribe(g: string, h: (m: { payload: { n: number; due: number } }) => void): Promise<unknown>;
      };
      await typed.subscribe('w', (m) => void handled.set(m.payload.n, Date.now() - m.payload.due));
      // Due while the broker is away (short delays) and after it is back (long ones).
      const delays = Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? 1_000 : 25_000));
      await Promise.all(delays.map((delayMs, n) => typed.publish({ n, due: Date.now() + delayMs }, { delayMs })));
      await target.restart();
      await waitFor(() => handled.size >= delays.length, { timeoutMs: RECOVERY_MS, message: `all ${delays.length} delayed messages handled (have ${handled.size})` });
      expect(Math.min(...handled.values())).toBeGreaterThanOrEqual(-5);
    });
  });
}
