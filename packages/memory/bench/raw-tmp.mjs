import { createMemoryBackend } from '@switchboard/memory';
import { performance } from 'node:perf_hooks';
const b = createMemoryBackend({ url: 'memory://raw' });
await b.connect();
await b.ensureChannel({ name: 'c', requires: {}, groups: ['g'], options: {} });
const N = 1_000_000;
let handled = 0; let done;
const fin = new Promise((r) => (done = r));
await b.consume('c', 'g', { concurrency: 64, orderedByKey: false }, (d) => { queueMicrotask(() => { d.ack(); if (++handled === N) done(); }); });
const body = Buffer.alloc(1024);
const t = performance.now();
for (let s = 0; s < N; s += 1000) {
  const batch = [];
  for (let i = 0; i < 1000; i++) batch.push({ body, headers: { a: 'b' }, id: 'x', timestamp: 1 });
  await b.publish('c', batch);
}
await fin;
console.log('raw backend msg/s', Math.round(N / ((performance.now() - t) / 1000)));
await b.close();
