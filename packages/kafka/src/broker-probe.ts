import { connect as tcpConnect } from 'node:net';
import { ConnectionError } from '@switchboard/core';

function tryConnect(broker: string, timeoutMs: number): Promise<string | undefined> {
  const ipv6 = /^\[(.*)\]:(\d+)$/.exec(broker);
  const host = ipv6 ? (ipv6[1] as string) : broker.slice(0, broker.lastIndexOf(':'));
  const port = Number(ipv6 ? ipv6[2] : broker.slice(broker.lastIndexOf(':') + 1));
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/**
 * Waits until at least one bootstrap broker accepts a TCP connection, retrying with backoff until
 * `budgetMs`. kafkajs' own connect retries keep timers alive long after a caller gave up, so an
 * unreachable cluster is detected here, where giving up leaves nothing running behind.
 */
export async function probeBrokers(brokers: string[], budgetMs: number, attemptTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let delay = 100;
  let reasons: string[] = [];
  for (;;) {
    const remaining = deadline - Date.now();
    const attempt = Math.max(1, Math.min(attemptTimeoutMs, remaining));
    const results = await Promise.all(brokers.map((b) => tryConnect(b, attempt)));
    if (results.some((r) => r === undefined)) return;
    // A last attempt squeezed into the remaining few ms says little; keep the earlier reasons then.
    if (reasons.length === 0 || attempt >= Math.min(attemptTimeoutMs, 250)) reasons = brokers.map((b, i) => `${b}: ${results[i]}`);
    const left = deadline - Date.now();
    if (left <= 0) break;
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 2, 2000);
  }
  throw new ConnectionError(`Kafka: no bootstrap broker reachable within ${budgetMs} ms (connectTimeoutMs): ${reasons.join('; ')}`);
}
