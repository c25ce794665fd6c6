import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Bus, Message, Subscription } from '@switchboard/core';

type Api = {
  subscribe(g: string, h: (m: Message) => Promise<void>, o: object): Promise<Subscription>;
  publish(p: unknown, o?: object): Promise<void>;
};

export interface LoadOptions {
  bus: Bus<never>;
  channel: string;
  group: string;
  /** Confirmed publishes to reach; with `whileFault` publishing also goes on until the fault is over. */
  total: number;
  /** The fault starts once this many publishes are confirmed. */
  faultAfter: number;
  /** The fault (kill a node, restart all of them in turn); the load runs on meanwhile. */
  fault: () => Promise<void>;
  /** Keep publishing until the fault is over (a rolling restart), not only up to `total`. */
  whileFault?: boolean;
  /** Publishes per second over all publishers (unset: as fast as confirms come back). */
  ratePerSecond?: number;
  publishers?: number;
  /** How long every confirmed message has to be handled once publishing ended. */
  drainTimeoutMs?: number;
  /** Bound on the publishing phase: past it the load fails with its counts instead of hanging. */
  publishTimeoutMs?: number;
}

export interface LoadFigures {
  confirmed: number;
  handled: number;
  duplicates: number;
  lost: number;
  /** Publishes that failed and were tried again by the load's publishers (as an application would). */
  publishFailures: number;
  failureCodes: string;
  /** Longest time without a publish confirm from the start of the fault to its end. */
  publishPauseS: number;
  /** Longest time without a handled message from the start of the fault to its end. */
  consumePauseS: number;
  faultS: number;
  statuses: string[];
  /** Messages of an earlier load on the same group delivered again to this one (not counted above). */
  earlier: number;
}

/** Longest gap between consecutive events (sorted) in [from, to], counting from `from`, in seconds. */
function longestPause(times: number[], from: number, to: number): number {
  let last = from;
  let longest = 0;
  for (const t of times) {
    if (t < from) continue;
    if (t > to) break;
    longest = Math.max(longest, t - last);
    last = t;
  }
  return longest / 1000;
}

/**
 * Confirmed publishes with a consumer running while a fault happens: every confirmed message must
 * be handled at least once. Publishers retry a failed publish (retriable errors), as applications
 * do; the consumer is never restarted by this code.
 */
export async function runFailoverLoad(options: LoadOptions): Promise<LoadFigures> {
  const { bus, channel, group, total, faultAfter } = options;
  const api = bus.channel(channel) as unknown as Api;
  const handled = new Map<number, number>();
  const handledAt: number[] = [];
  const statuses: string[] = [];
  // Each load tags its messages: a group reused by a later load may get earlier messages again.
  const run = randomBytes(4).toString('hex');
  let earlier = 0;
  const sub = await api.subscribe(
    group,
    async (m) => {
      const { n, run: from } = m.payload as { n: number; run: string };
      if (from !== run) {
        earlier++;
        return;
      }
      handled.set(n, (handled.get(n) ?? 0) + 1);
      handledAt.push(Date.now());
    },
    { concurrency: 32, onStatus: (status: { state: string }) => void statuses.push(status.state) },
  );

  const confirmed = new Set<number>();
  const confirmedAt: number[] = [];
  const failureCodes = new Map<string, number>();
  let failures = 0;
  let next = 0;
  let faultStart = 0;
  let faultEnd = 0;
  let faulting: Promise<void> | undefined;
  const publishers = options.publishers ?? 100;
  const gapMs = options.ratePerSecond ? (1000 * publishers) / options.ratePerSecond : 0;
  const more = () => next < total || (options.whileFault === true && (faulting === undefined || faultEnd === 0));
  const publishDeadline = Date.now() + (options.publishTimeoutMs ?? 240_000);
  let lastError = '';
  const worker = async (): Promise<void> => {
    while (more()) {
      const n = next++;
      const started = Date.now();
      for (;;) {
        if (Date.now() > publishDeadline) {
          throw new Error(`publishing not done in time: ${confirmed.size} confirmed, ${handled.size} handled, ${failures} failures (last: ${lastError}), fault ${faulting === undefined ? 'not started' : faultEnd ? 'over' : 'running'}`);
        }
        try {
          await api.publish({ n, run, pad: 'x'.repeat(200) }, { key: `k${n % 97}` });
          confirmed.add(n);
          confirmedAt.push(Date.now());
          break;
        } catch (error) {
          failures++;
          lastError = (error as Error).message;
          const code = (error as { code?: string }).code ?? 'unknown';
          failureCodes.set(code, (failureCodes.get(code) ?? 0) + 1);
        }
      }
      if (confirmed.size >= faultAfter && faulting === undefined) {
        faultStart = Date.now();
        // A failed fault ends the publishing too; its error is thrown once the publishers stopped.
        faulting = options.fault().finally(() => void (faultEnd = Date.now()));
      }
      // Load shaping, not a wait for a condition: spreads the publishes over the rolling restart.
      const rest = gapMs - (Date.now() - started);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  };
  // SB_LOAD_PROGRESS=<file>: a line of counts every 2 s, to follow a run that seems stuck.
  const progressFile = process.env['SB_LOAD_PROGRESS'];
  let phase = 'publishing';
  const progress = progressFile
    ? setInterval(() => {
        fs.appendFileSync(progressFile, `${new Date().toISOString()} ${channel} ${phase}: next ${next}, confirmed ${confirmed.size}, handled ${handled.size}, failures ${failures} (${lastError}), fault ${faulting === undefined ? '-' : faultEnd ? 'over' : 'running'}\n`);
      }, 2000)
    : undefined;
  try {
    await Promise.all(Array.from({ length: publishers }, worker));
    phase = 'fault';
    await faulting;
    phase = 'draining';
    await drain();
    phase = 'closing';
    await sub.close();
  } finally {
    clearInterval(progress);
  }
  return figures();

  async function drain(): Promise<void> {
    const drainDeadline = Date.now() + (options.drainTimeoutMs ?? 120_000);
    while ([...confirmed].some((n) => !handled.has(n)) && Date.now() < drainDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function figures(): LoadFigures {
    confirmedAt.sort((a, b) => a - b);
    handledAt.sort((a, b) => a - b);
    const deliveries = [...handled.values()].reduce((a, b) => a + b, 0);
    const pauseEnd = Math.max(faultEnd, confirmedAt.at(-1) ?? faultEnd);
    return {
      confirmed: confirmed.size,
      handled: handled.size,
      duplicates: deliveries - handled.size,
      lost: [...confirmed].filter((n) => !handled.has(n)).length,
      publishFailures: failures,
      failureCodes: [...failureCodes].map(([c, k]) => `${c}×${k}`).join(', ') || 'none',
      publishPauseS: longestPause(confirmedAt, faultStart, pauseEnd),
      consumePauseS: longestPause(handledAt, faultStart, Math.max(pauseEnd, handledAt.at(-1) ?? pauseEnd)),
      faultS: (faultEnd - faultStart) / 1000,
      statuses,
      earlier,
    };
  }
}

export function describeFigures(label: string, f: LoadFigures): string {
  return (
    `${label}: ${f.confirmed} confirmed, ${f.handled} handled, lost ${f.lost}, duplicates ${f.duplicates}; ` +
    `longest pause: publishing ${f.publishPauseS.toFixed(1)} s, consuming ${f.consumePauseS.toFixed(1)} s; fault took ${f.faultS.toFixed(1)} s; ` +
    `publish failures retried: ${f.publishFailures} (${f.failureCodes}); consumer status changes: ${f.statuses.join(' → ') || 'none'}` +
    (f.earlier > 0 ? `; ${f.earlier} messages of the previous load delivered again` : '')
  );
}
