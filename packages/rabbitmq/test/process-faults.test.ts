// The application as its own node process while the broker restarts and an operator closes its connections.
import { rabbitProbe, rabbitRestartApp, rabbitStartApp } from '../../../test/brokers/rabbitmq.mjs';
import { describeProcessFaults } from '../../../test/process-faults/describe-process-faults.js';
import { brokerSkipReason, RABBIT_URL, rabbitmqctl, unique } from './rabbit-env.js';

const skip = await brokerSkipReason();
const log = (): void => {};

if (skip === undefined) {
  describeProcessFaults({
    name: 'rabbitmq',
    url: RABBIT_URL,
    unique,
    restart: () => rabbitRestartApp({ log }),
    dropConnections: async () => {
      rabbitmqctl('close_all_connections', 'process-fault test');
    },
    restartShowsAsLost: true,
    ensureUp: async () => {
      if (!(await rabbitProbe()).ok) await rabbitStartApp({ log });
    },
  });
}
