import { describeConformance } from '@switchboard/testkit';
import { FAST_GROUPS, KAFKA_URL } from './kafka-env.js';

await describeConformance({ name: 'kafka', url: KAFKA_URL, options: { ...FAST_GROUPS } });
