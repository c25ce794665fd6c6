// The application as its own node process while the broker restarts (stopped cleanly) and crashes (kill -9).
import { randomBytes } from 'node:crypto';
import { kafkaDown, kafkaKill, kafkaUp } from '../../../test/brokers/kafka.mjs';
import { describeProcessFaults } from '../../../test/process-faults/describe-process-faults.js';
import { describeWithBroker, FAST_GROUPS, KAFKA_URL } from './kafka-env.js';

const log = (): void => {};

describeWithBroker('kafka', () => {
  describeProcessFaults({
    name: 'kafka',
    url: KAFKA_URL,
    options: { ...FAST_GROUPS },
    unique: (prefix) => `sbk-${prefix}-${randomBytes(4).toString('hex')}`,
    restart: async () => {
      await kafkaDown({ log });
      await kafkaUp({ log });
    },
    // kill -9: every client connection drops at once, as in a crash.
    dropConnections: async () => {
      await kafkaKill({ log });
      await kafkaUp({ log });
    },
    restartShowsAsLost: false,
    ensureUp: () => kafkaUp({ log }),
  });
});
