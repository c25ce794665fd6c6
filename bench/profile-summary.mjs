#!/usr/bin/env node
// Summarises V8 CPU profiles (`node --cpu-prof`, or `pnpm bench --profile`): the functions with
// the most self time, and the time spent under each package (inclusive of what they call).
// Usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top 25]
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (positionals.length === 0) {
  console.error('usage: node bench/profile-summary.mjs <file.cpuprofile>... [--top 25]');
  process.exit(2);
}

/** Short place of a frame: package name (or node:internal) and file:line. */
function where(frame) {
  const url = frame.url || '';
  if (url === '') return '(native)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  const file = pkg ? `${pkg[1]}/${pkg[2]}` : url.replace(/^file:\/\/.*?\/(packages|bench)\//, '$1/').replace(/^node:/, 'node:');
  return `${file}:${frame.lineNumber + 1}`;
}

function area(frame) {
  const url = frame.url || '';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  const local = /\/packages\/([^/]+)\//.exec(url);
  if (local) return `@switchboard/${local[1]}`;
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:')) return 'node internals';
  return frame.functionName === '(garbage collector)' ? 'GC' : frame.functionName.startsWith('(') ? frame.functionName : 'native / V8';
}

for (const file of positionals) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const self = new Map();
  const areas = new Map();
  const selfAreas = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const key = `${node.callFrame.functionName || '(anonymous)'}  ${where(node.callFrame)}`;
    self.set(key, (self.get(key) ?? 0) + us);
    const own = area(node.callFrame);
    selfAreas.set(own, (selfAreas.get(own) ?? 0) + us);
    // Inclusive per area: charge the sample to every distinct area on its stack.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const a = area(byId.get(cur).callFrame);
      if (!seen.has(a)) {
        seen.add(a);
        areas.set(a, (areas.get(a) ?? 0) + us);
      }
    }
  }
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`\n${file}: ${(total / 1000).toFixed(0)} ms sampled`);
  console.log('\n  self time, top functions:');
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`  ${pct(us)}  ${key}`);
  console.log('\n  self time by area (where the CPU was actually spent):');
  for (const [key, us] of [...selfAreas].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${key}`);
  console.log('\n  inclusive time by area (a sample counts once per area on its stack):');
  for (const [key, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${key}`);
}
