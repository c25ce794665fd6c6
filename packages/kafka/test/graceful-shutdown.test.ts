// A consuming process shut down by closeOnSignals() on SIGTERM mid-batch (no broker restart).
import { randomBytes } from 'node:crypto';
import { cleanKafka } from '../../../test/observability/broker-cleanup.js';
import { describeGracefulShutdown } from '../../../test/process-faults/describe-graceful-shutdown.js';
import { describeWithBroker, FAST_GROUPS, KAFKA_BROKERS, KAFKA_URL } from './kafka-env.js';

const brokers = KAFKA_BROKERS;

describeWithBroker('kafka', () => {
  describeGracefulShutdown({
    name: 'kafka',
    url: KAFKA_URL,
    options: { ...FAST_GROUPS },
    unique: (prefix) => `sbkg-${prefix}-${randomBytes(4).toString('hex')}`,
    cleanup: (channel) => cleanKafka(brokers, channel),
  });
});
