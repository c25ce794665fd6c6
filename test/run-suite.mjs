#!/usr/bin/env node
// Runs a suite that needs brokers of its own, and stops them afterwards whatever the outcome, so
// nothing keeps running (and using CPU) once the suite is done.
//   node test/run-suite.mjs cluster   the `cluster` vitest project on the 3-node RabbitMQ and
//                                     3-broker Kafka clusters (pnpm test:cluster)
//   node test/run-suite.mjs kafka4    the `kafka` vitest project (conformance and fault tests) on
//                                     a private Kafka 4.1 broker on 29092 (pnpm test:kafka4)
// Extra arguments go to vitest (e.g. a test file). Under CI=true a broker that cannot start fails.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [suite, ...vitestArgs] = process.argv.slice(2);
const node = process.execPath;

function run(args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(node, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const suites = {
  cluster: {
    up: ['test/brokers/up.mjs', '--cluster'],
    down: ['test/brokers/down.mjs', '--cluster'],
    env: {},
    test: ['run', '--project', 'cluster'],
  },
  kafka4: {
    up: ['test/brokers/kafka.mjs', 'up', '--fresh'],
    down: ['test/brokers/kafka.mjs', 'down'],
    // The broker script and the suites (including the ones that kill and restart the broker) see the same broker.
    env: { SWITCHBOARD_KAFKA_VERSION: '4.1', KAFKA_URL: 'kafka://127.0.0.1:29092' },
    test: ['run', '--project', 'kafka'],
  },
};

const chosen = suites[suite];
if (!chosen) {
  console.error(`usage: node test/run-suite.mjs ${Object.keys(suites).join('|')} [vitest args]`);
  process.exit(2);
}
const env = { ...process.env, ...chosen.env };
let code = await run(chosen.up, env);
// Outside CI a broker that cannot start leaves its suites skipped with the reason; under CI it failed above.
if (code === 0 || process.env.CI !== 'true') {
  const stop = () => void run(chosen.down, env);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    code = await run([vitest, ...chosen.test, ...vitestArgs], env);
  } finally {
    const downCode = await run(chosen.down, env);
    if (code === 0) code = downCode;
  }
}
process.exit(code);
