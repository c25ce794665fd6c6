import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { unreachableReason } from '@switchboard/testkit';

/** The broker every test in this folder uses. */
export const RABBIT_URL = process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Why the broker suites cannot run here, or undefined when they can. Under CI=true an unreachable
 * broker is a failure, so the reason is thrown instead of returned.
 */
export async function brokerSkipReason(): Promise<string | undefined> {
  const reason = await unreachableReason(RABBIT_URL);
  if (reason !== undefined && process.env['CI'] === 'true') throw new Error(`RabbitMQ unreachable under CI=true: ${reason}`);
  return reason;
}

export function unique(prefix: string): string {
  return `sbt-${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Runs rabbitmqctl (root, local node) and returns its output. */
export function rabbitmqctl(...args: string[]): string {
  return execFileSync('rabbitmqctl', ['-q', ...args], { encoding: 'utf8', timeout: 120_000 });
}

export const silentLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * Deletes the queues and exchanges the conformance suite left behind (names start with `sbt-`),
 * so a broker reused across runs does not accumulate them. One listing each, then AMQP deletes.
 */
export async function deleteScenarioTopology(): Promise<number> {
  const list = (what: 'list_queues' | 'list_exchanges') =>
    rabbitmqctl(what, 'name', '--no-table-headers')
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith('sbt-'));
  const queues = list('list_queues');
  const exchanges = list('list_exchanges');
  const { connect } = await import('amqplib');
  const connection = await connect(RABBIT_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
  return queues.length + exchanges.length;
}
