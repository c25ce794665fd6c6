// A consuming process shut down by closeOnSignals() on SIGTERM mid-batch (no broker restart).
import { connect as amqpConnect } from 'amqplib';
import { describeGracefulShutdown } from '../../../test/process-faults/describe-graceful-shutdown.js';
import { brokerSkipReason, RABBIT_URL, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();

if (skip === undefined) {
  describeGracefulShutdown({
    name: 'rabbitmq',
    url: RABBIT_URL,
    unique,
    async cleanup(channel) {
      const connection = await amqpConnect(RABBIT_URL);
      const ch = await connection.createChannel();
      for (const queue of [`${channel}:w`, `${channel}.dead:parked`]) await ch.deleteQueue(queue);
      for (const exchange of [channel, `${channel}.dead`]) await ch.deleteExchange(exchange);
      await connection.close();
    },
  });
}
