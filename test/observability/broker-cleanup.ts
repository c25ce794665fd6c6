// Removes what a test run created on the shared brokers: only names that start with its own prefix.
import { execFileSync } from 'node:child_process';

/** Deletes the RabbitMQ queues and exchanges whose names start with `prefix`. */
export async function cleanRabbit(url: string, prefix: string): Promise<void> {
  const list = (what: 'list_queues' | 'list_exchanges'): string[] =>
    execFileSync('rabbitmqctl', ['-q', what, 'name', '--no-table-headers'], { encoding: 'utf8', timeout: 60_000 })
      .split('\n')
      .map((line) => line.trim())
      .filter((name) => name.startsWith(prefix));
  const { connect } = await import('amqplib');
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    for (const queue of list('list_queues')) await channel.deleteQueue(queue);
    for (const exchange of list('list_exchanges')) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

/** Deletes the Kafka topics and consumer groups whose names contain `prefix`. */
export async function cleanKafka(brokers: string[], prefix: string): Promise<void> {
  const { default: kafkajs } = await import('kafkajs');
  const admin = new kafkajs.Kafka({ clientId: 'telemetry-test-cleanup', brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.includes(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
