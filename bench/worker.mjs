#!/usr/bin/env node
// One measured run in a fresh process: `node bench/worker.mjs '<job json>'`.
// job = { backend, side: 'raw' | 'sdk', scenario, params }. Reports progress and the result to
// the orchestrator over IPC (or prints the result as JSON when started by hand).
import { randomBytes } from 'node:crypto';
import { profileWritten } from './lib/meter.mjs';
import { consumeThroughput, endToEndLatency, endToEndThroughput, publishThroughput, requestReply } from './lib/scenarios.mjs';

const SCENARIOS = {
  publish: publishThroughput,
  consume: consumeThroughput,
  latency: endToEndLatency,
  rr1: (side, params) => requestReply(side, { ...params, inFlight: 1 }),
  rr16: (side, params) => requestReply(side, { ...params, inFlight: 16 }),
  e2e: endToEndThroughput,
  'e2e-json': (side, params) => endToEndThroughput(side, { ...params, json: true }),
  'e2e-fanout': endToEndThroughput,
};

async function loadSide(backend, side) {
  if (side === 'sdk') return import('./sides/sdk.mjs');
  return import(`./sides/${backend}-raw.mjs`);
}

async function main() {
  const job = JSON.parse(process.argv[2] ?? '{}');
  const run = SCENARIOS[job.scenario];
  if (run === undefined && job.scenario !== 'parity') throw new Error(`unknown scenario ${job.scenario}`);
  // Unique names per run: no run ever sees another run's backlog or consumer group.
  const name = `bench-${job.scenario}-${job.side}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let result;
  let side;
  try {
    if (job.scenario === 'parity') {
      const { parity } = await import('./lib/parity.mjs');
      result = await parity(job.backend, name);
    } else {
      const module = await loadSide(job.backend, job.side);
      side = await module.createSide({ name, backend: job.backend, scenario: job.scenario });
      result = await run(side, job.params);
    }
  } finally {
    await side?.dispose?.();
    if (job.backend !== 'memory') {
      const raw = await import(`./sides/${job.backend}-raw.mjs`);
      await raw.cleanup(name).catch((error) => process.send?.({ type: 'warn', message: `cleanup of ${name}: ${error.message}` }));
    }
  }
  await profileWritten();
  return { ...result, name };
}

main().then(
  (result) => {
    if (process.send) process.send({ type: 'result', result }, () => process.exit(0));
    else {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    }
  },
  (error) => {
    if (process.send) process.send({ type: 'error', message: error?.stack ?? String(error) }, () => process.exit(1));
    else {
      console.error(error);
      process.exit(1);
    }
  },
);
