// Runs inside a throwaway application that installed the packed tarballs from the registry-style
// layout (npm or pnpm). Exercises every capability on memory:// and prints one JSON line.
import { createRequire } from 'node:module';
import { connect, deadLetterInfo } from '@switchboard/core';
import { createTestBus, recordPublished, waitFor } from '@switchboard/testkit';

const results = {};
const until = async (check, what) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const bus = await connect({
  url: 'memory://',
  channels: {
    jobs: { requires: { workQueue: true, fanout: true, priority: true, orderedByKey: true, deadLetter: true }, groups: ['w'] },
    rpc: { requires: { requestReply: true } },
    log: { requires: { replay: true } },
    timed: { requires: { delayedDelivery: true, messageTtl: true }, groups: ['t'] },
  },
});
results.backend = bus.backend;

await bus.channel('jobs').publish('low', { priority: 1, key: 'a' });
await bus.channel('jobs').publish('high', { priority: 9, key: 'b' });
await bus.channel('jobs').publish('poison', { priority: 0, key: 'c' });
const handled = [];
const dead = [];
await bus.channel('jobs.dead').subscribe('ops', (m) => dead.push(deadLetterInfo(m)));
await bus.channel('jobs').subscribe('w', (m) => {
  if (m.payload === 'poison') throw new Error('bad job');
  handled.push(m.payload);
}, { concurrency: 1, retry: { maxAttempts: 2, initialDelayMs: 5 } });
await until(() => handled.length === 2 && dead.length === 1, 'jobs');
results.priorityOrder = handled;
results.deadLetter = dead[0]?.error;

await bus.channel('rpc').respond((q) => ({ echo: q.payload }));
results.reply = await bus.channel('rpc').request('ping');

await bus.channel('log').publish('first');
const replayed = [];
await bus.channel('log').replay({ from: 'earliest' }, (m) => replayed.push(m.payload));
await until(() => replayed.length === 1, 'replay');
results.replay = replayed;

const start = Date.now();
await bus.channel('timed').publish('expired', { ttlMs: 1 });
await bus.channel('timed').publish('delayed', { delayMs: 100 });
const timed = [];
await new Promise((r) => setTimeout(r, 20));
await bus.channel('timed').subscribe('t', (m) => timed.push([m.payload, Date.now() - start]));
await until(() => timed.length === 1, 'delay');
results.delayed = timed[0][0] === 'delayed' && timed[0][1] >= 100;

for (const [name, attempt] of [
  ['unknownScheme', () => connect({ url: 'nats://x' })],
  ['misspelt', () => connect({ url: 'memory://', channels: { x: { requires: { priorty: true } } } })],
  ['missingBackend', () => connect({ url: 'kafka://127.0.0.1:9092' })],
  ['undeclared', () => bus.channel('rpc').publish('x', { priority: 1 })],
]) {
  results[name] = await attempt().then(() => 'no error', (e) => `${e.code}: ${e.message}`);
}
const jobs = bus.channel('jobs');
await bus.close();
results.afterClose = await jobs.publish('x').then(() => 'no error', (e) => e.code);
// testkit's helpers for application tests, with no vitest installed (it is an optional peer).
results.vitestInstalled = await import('vitest').then(() => true, () => false);
const testBus = await createTestBus({ channels: { invoices: {} } });
const invoices = await recordPublished(testBus.channel('invoices'));
await testBus.channel('invoices').publish('invoice-1');
await invoices.waitForCount(1);
let polls = 0;
results.testkit = {
  recorded: invoices.payloads,
  waited: await waitFor(() => ++polls >= 3, { intervalMs: 1 }),
  profileRefusal: await createTestBus({ profile: 'kafka', channels: { x: { requires: { priority: true, orderedByKey: true } } } }).then(() => 'no error', (e) => e.code),
};
await invoices.stop();
await testBus.close();
results.commonJsTestkit = typeof createRequire(import.meta.url)('@switchboard/testkit').createTestBus;
console.log(JSON.stringify(results));
