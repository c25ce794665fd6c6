// What 1 KiB of JSON costs in plain Node, with no SDK: the floor under the memory backend's
// `e2e-json` row. `node bench/probes/json-floor.mjs` (run it with each Node version to compare).
// Each step adds one stage of what a JSON message goes through: stringify, the UTF-8 body,
// and back (toString, parse). `flat` uses a filler string that is not a rope.
import { performance } from 'node:perf_hooks';

const N = 300_000;
const rope = 'x'.repeat(1024 - JSON.stringify({ t: 123456.789012, data: '' }).length);
const flat = JSON.parse(JSON.stringify(rope));

for (const [label, filler, stages] of [
  ['stringify', rope, 1],
  ['stringify + Buffer.from', rope, 2],
  ['stringify + Buffer.from + toString + parse', rope, 3],
  ['the same, flat filler', flat, 3],
]) {
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const text = JSON.stringify({ t: performance.now(), data: filler });
    if (stages === 1) {
      sink += text.length;
      continue;
    }
    const body = Buffer.from(text);
    if (stages === 2) {
      sink += body.length;
      continue;
    }
    sink += JSON.parse(body.toString()).data.length;
  }
  const perMessage = ((performance.now() - started) * 1000) / N;
  console.log(`${process.version}  ${label}: ${perMessage.toFixed(2)} µs per message${sink > 0 ? '' : ' '}`);
}
