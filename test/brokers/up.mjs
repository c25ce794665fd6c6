#!/usr/bin/env node
// Brings up every broker the integration tests need (in parallel) and records the outcome.
// Usage: node test/brokers/up.mjs [kafka] [rabbitmq]     (default: both)
//        node test/brokers/up.mjs --cluster [kafka-cluster] [rabbitmq-cluster]   (the failover suites' clusters)
// A broker that cannot start is a hard failure under CI=true, otherwise a visible SKIP.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kafkaClusterStatus, kafkaClusterUp } from './kafka-cluster.mjs';
import { kafkaStatus, kafkaUp } from './kafka.mjs';
import { rabbitClusterStatus, rabbitClusterUp } from './rabbitmq-cluster.mjs';
import { rabbitStatus, rabbitUp } from './rabbitmq.mjs';

const STATUS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '.status.json');
const BROKERS = { rabbitmq: { up: rabbitUp, status: rabbitStatus }, kafka: { up: () => kafkaUp({ fresh: true }), status: kafkaStatus } };
const CLUSTERS = { 'rabbitmq-cluster': { up: rabbitClusterUp, status: rabbitClusterStatus }, 'kafka-cluster': { up: kafkaClusterUp, status: kafkaClusterStatus } };

function readSaved() {
  try { return JSON.parse(fs.readFileSync(STATUS_FILE, 'utf8')); } catch { return {}; }
}

/**
 * Live view for test suites deciding skip vs fail: `{ rabbitmq: {up, reason}, kafka: {up, reason} }`.
 * When a broker is down, `reason` prefers the start failure recorded by the last `up.mjs` run.
 */
export async function brokerStatus({ clusters = false } = {}) {
  const saved = readSaved();
  const entries = await Promise.all(
    Object.entries(clusters ? CLUSTERS : BROKERS).map(async ([name, b]) => {
      const live = await b.status();
      return [name, live.up ? { up: true, reason: null } : { up: false, reason: saved[name]?.reason || live.reason }];
    }),
  );
  return Object.fromEntries(entries);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const clusters = process.argv.includes('--cluster');
  const known = clusters ? CLUSTERS : BROKERS;
  const args = process.argv.slice(2).filter((a) => a !== '--cluster');
  const names = args.length ? args : Object.keys(known);
  const unknown = names.filter((n) => !known[n]);
  if (unknown.length) {
    console.error(`usage: node test/brokers/up.mjs [${Object.keys(BROKERS).join('] [')}] | --cluster [${Object.keys(CLUSTERS).join('] [')}]`);
    process.exit(2);
  }
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const results = await Promise.allSettled(names.map((n) => known[n].up()));
  const status = readSaved();
  let failed = false;
  names.forEach((name, i) => {
    const r = results[i];
    const reason = r.status === 'rejected' ? (r.reason?.message || String(r.reason)) : null;
    status[name] = { up: !reason, reason, at: new Date().toISOString() };
    if (!reason) return;
    failed = true;
    const [first, ...rest] = reason.split('\n');
    console.error(`[brokers] ${ci ? 'FAIL' : 'SKIP'} ${name}: ${first}`);
    if (rest.length) console.error(rest.map((l) => `[brokers]   ${l}`).join('\n'));
  });
  fs.writeFileSync(STATUS_FILE, JSON.stringify(status, null, 2) + '\n');
  if (failed && ci) {
    console.error('[brokers] CI=true: every broker must be available; failing');
    process.exit(1);
  }
}
