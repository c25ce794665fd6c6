import { describeConformance, unreachableReason } from '@switchboard/testkit';
import { afterAll } from 'vitest';
import { deleteScenarioTopology, RABBIT_URL } from './rabbit-env.js';

await describeConformance({ name: 'rabbitmq', url: RABBIT_URL });

afterAll(async () => {
  if ((await unreachableReason(RABBIT_URL)) === undefined) await deleteScenarioTopology();
}, 60_000);
