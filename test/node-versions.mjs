#!/usr/bin/env node
// Runs the broker-free suites (`pnpm test:fast`'s projects) on other Node.js versions.
// Usage: node test/node-versions.mjs [20] [22] [24]      (default: 20 22 24)
// Each version's `node` binary installs once from the npm registry (the `node` package) into
// ~/.cache/switchboard/node-<major>; the packages are built once, with the Node running this
// script. The version under test is first on PATH, so processes the tests spawn use it too.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.SWITCHBOARD_CACHE || path.join(os.homedir(), '.cache', 'switchboard');
const PROJECTS = ['core', 'memory', 'testkit', 'workspace'];
const majors = process.argv.slice(2).length ? process.argv.slice(2) : ['20', '22', '24'];

function nodeBinary(major) {
  const dir = path.join(CACHE, `node-${major}`);
  const bin = path.join(dir, 'node_modules', 'node', 'bin', 'node');
  const version = () => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (!fs.existsSync(bin) || !version()?.startsWith(`v${major}.`)) {
    console.log(`[node-versions] installing node@${major} into ${dir} ...`);
    fs.mkdirSync(dir, { recursive: true });
    const npm = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', `node@${major}`], { stdio: 'inherit' });
    if (npm.status !== 0) throw new Error(`npm install node@${major} failed`);
  }
  return { bin, version: version() };
}

function run(bin, args, env) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    child.on('close', (code) => resolve({ code, out }));
  });
}

const build = spawnSync('pnpm', ['build'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const results = [];
for (const major of majors) {
  let node;
  try {
    node = nodeBinary(major);
  } catch (error) {
    results.push({ major, version: '?', ok: false, summary: error.message });
    continue;
  }
  console.log(`\n[node-versions] Node ${node.version}: vitest ${PROJECTS.map((p) => `--project ${p}`).join(' ')}`);
  const env = { ...process.env, PATH: `${path.dirname(node.bin)}${path.delimiter}${process.env.PATH}` };
  const { code, out } = await run(node.bin, [vitest, 'run', ...PROJECTS.flatMap((p) => ['--project', p])], env);
  // vitest's own summary line, without colours
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const summary = (plain.match(/^\s*Tests\s+(.*)$/m)?.[1] ?? 'no summary').trim();
  results.push({ major, version: node.version, ok: code === 0, summary });
}

console.log('\n[node-versions] results');
for (const r of results) console.log(`  Node ${r.version.padEnd(9)} ${r.ok ? 'PASS' : 'FAIL'}  ${r.summary}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
