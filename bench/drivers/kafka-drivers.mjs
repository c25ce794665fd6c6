#!/usr/bin/env node
// Raw driver against raw driver on the local broker: kafkajs 2.2.4 and @platformatic/kafka, no
// Switchboard code in between. Decides whether a second driver of the Kafka backend is worth it.
//
//   node bench/drivers/kafka-drivers.mjs [--drivers kafkajs,platformatic-1,platformatic-2]
//        [--scenarios produce100,produce1000,consume,loss] [--runs 3] [--node22 <node binary>]
//
// `platformatic-1` is @platformatic/kafka 1.35.0 (Node ≥ 20.19.4); `platformatic-2` is 2.12.1, which
// needs Node ≥ 22.22: it runs under the binary given by --node22 (default: node@22 from the npm
// registry in ~/.cache/switchboard/node-22, where test/node-versions.mjs keeps it). Each driver is installed once
// with npm into ~/.cache/switchboard/drivers/<driver> (kept out of the workspace and its lockfile).
// Every measured run is a fresh process; drivers alternate (A B, B A, ...) per scenario.
//
// Scenarios (1 KiB records with the six CloudEvents headers Switchboard sends, 3 partitions, each
// record's partition chosen by the caller as seq % 3 so both drivers place records identically):
//   produce100 / produce1000  idempotent, acks=all, 100 or 1000 records per send, one send in flight
//   consume                   a fresh group draining a 60,000-record backlog (written by kafkajs,
//                             untimed) from the earliest offset; the ce_id header is read per record
//   loss                      idempotent producer, concurrent sends: 20 single-record sends at once
//                             (x 25 rounds), and 2 and 4 sends of 100 records at once (x 10 rounds);
//                             every resolved record must be in the log (high watermarks read back)
import { execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import kafkajs from 'kafkajs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CACHE = process.env.SWITCHBOARD_CACHE || path.join(os.homedir(), '.cache', 'switchboard');
const BROKERS = (process.env.BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const PARTITIONS = 3;
const PAYLOAD = Buffer.alloc(1024, 'x');
const DRIVERS = {
  kafkajs: { label: 'kafkajs 2.2.4' },
  'platformatic-1': { label: '@platformatic/kafka 1.35.0', pkg: '@platformatic/kafka@1.35.0' },
  'platformatic-2': { label: '@platformatic/kafka 2.12.1', pkg: '@platformatic/kafka@2.12.1', node: 22 },
};
const SCENARIOS = {
  produce100: { ms: 6_000, warmMs: 1_000, perSend: 100 },
  produce1000: { ms: 6_000, warmMs: 1_000, perSend: 1000 },
  consume: { n: 50_000, warm: 10_000 },
  loss: {},
};

const { Kafka, logLevel } = kafkajs;
const kafka = () => new Kafka({ clientId: 'driver-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });

function headers(topic) {
  return {
    ce_specversion: '1.0',
    ce_id: randomUUID(),
    ce_source: 'switchboard',
    ce_type: topic,
    ce_time: new Date().toISOString(),
    'content-type': 'application/octet-stream',
  };
}

async function withAdmin(fn) {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

const createTopic = (topic) => withAdmin((a) => a.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true }));
const storedRecords = (topic) => withAdmin(async (a) => (await a.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0));
const deleteTopic = (topic) => withAdmin((a) => a.deleteTopics({ topics: [topic], timeout: 10_000 })).catch(() => {});

// ---------------------------------------------------------------------------------------------
// Driver adapters: the same three operations on both clients.

async function platformatic(driver) {
  const dir = path.join(CACHE, 'drivers', driver);
  const entry = path.join(dir, 'node_modules', '@platformatic', 'kafka', 'dist', 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${driver} is not installed in ${dir}: run the orchestrator (it installs it)`);
  return import(pathToFileURL(entry).href);
}

async function adapter(driver) {
  if (driver === 'kafkajs') {
    const client = kafka();
    return {
      async producer() {
        const p = client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
        await p.connect();
        return { send: (topic, messages) => p.send({ topic, acks: -1, messages }), close: () => p.disconnect() };
      },
      async consume(topic, onRecord) {
        const c = client.consumer({ groupId: `${topic}:bench`, maxWaitTimeInMs: 500, maxBytesPerPartition: 1_048_576, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
        await c.connect();
        await c.subscribe({ topic, fromBeginning: true });
        await c.run({
          partitionsConsumedConcurrently: PARTITIONS,
          autoCommitInterval: 1_000,
          eachMessage: async ({ message }) => onRecord(message.headers.ce_id.toString()),
        });
        return { close: () => c.disconnect() };
      },
    };
  }
  const pk = await platformatic(driver);
  return {
    async producer() {
      const p = new pk.Producer({
        clientId: 'driver-bench',
        bootstrapBrokers: BROKERS,
        idempotent: true,
        acks: pk.ProduceAcks.ALL,
        serializers: { headerKey: pk.stringSerializer, headerValue: pk.stringSerializer },
      });
      return {
        // Records as kafkajs takes them, plus the topic on each (the platformatic API).
        send: (topic, messages) => p.send({ messages: messages.map((m) => ({ topic, partition: m.partition, value: m.value, headers: m.headers, timestamp: BigInt(m.timestamp) })) }),
        close: () => p.close(),
      };
    },
    async consume(topic, onRecord) {
      const c = new pk.Consumer({
        groupId: `${topic}:bench`,
        clientId: 'driver-bench',
        bootstrapBrokers: BROKERS,
        sessionTimeout: 30_000,
        heartbeatInterval: 3_000,
        maxWaitTime: 500,
        maxBytesPerPartition: 1_048_576,
        deserializers: { headerKey: pk.stringDeserializer },
      });
      const stream = await c.consume({ topics: [topic], mode: 'earliest', autocommit: 1_000 });
      stream.on('data', (message) => onRecord(message.headers.get('ce_id').toString()));
      return { close: () => c.close(true) };
    },
  };
}

function records(topic, first, count) {
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = { partition: (first + i) % PARTITIONS, value: PAYLOAD, headers: headers(topic), timestamp: String(Date.now()) };
  return out;
}

function meter() {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  return (count) => {
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { count, wallMs, rate: count / (wallMs / 1000), cpuPerMsgUs: (cpu.user + cpu.system) / count };
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios (worker side).

async function produce(driver, topic, { ms, warmMs, perSend }) {
  await createTopic(topic);
  const p = await (await adapter(driver)).producer();
  let seq = 0;
  const run = async (duration) => {
    const end = performance.now() + duration;
    let sent = 0;
    while (performance.now() < end) {
      await p.send(topic, records(topic, seq, perSend));
      seq += perSend;
      sent += perSend;
    }
    return sent;
  };
  await run(warmMs);
  const stop = meter();
  const sent = await run(ms);
  const result = stop(sent);
  await p.close();
  const stored = await storedRecords(topic);
  return { ...result, stored, expected: seq, lost: Math.max(0, seq - stored) };
}

async function consume(driver, topic, { n, warm }) {
  await createTopic(topic);
  // The backlog, written by kafkajs for both drivers: identical records to read.
  const writer = await (await adapter('kafkajs')).producer();
  for (let sent = 0; sent < n + warm; sent += 1000) await writer.send(topic, records(topic, sent, Math.min(1000, n + warm - sent)));
  await writer.close();
  let received = 0;
  let stop;
  let result;
  const done = new Promise((resolve) => {
    void (async () => {
      const c = await (await adapter(driver)).consume(topic, (id) => {
        if (id.length !== 36) throw new Error(`bad ce_id ${id}`);
        received++;
        if (received === warm) stop = meter();
        else if (received === warm + n) {
          result = stop(n);
          resolve(c);
        }
      });
      if (result !== undefined) resolve(c);
      else done.consumer = c;
    })();
  });
  const deadline = setTimeout(() => {
    console.error(`consume: timed out with ${received} of ${n + warm}`);
    process.exit(1);
  }, 180_000);
  const consumer = await done;
  clearTimeout(deadline);
  await consumer.close();
  return result;
}

/** Concurrent sends on one idempotent producer: is every resolved record in the log? */
async function loss(driver, topic) {
  const cases = [
    { label: '20 concurrent sends of 1 record', concurrent: 20, perSend: 1, rounds: 25 },
    { label: '2 concurrent sends of 100 records', concurrent: 2, perSend: 100, rounds: 10 },
    { label: '4 concurrent sends of 100 records', concurrent: 4, perSend: 100, rounds: 10 },
  ];
  const out = [];
  for (const [i, c] of cases.entries()) {
    const t = `${topic}-${i}`;
    await createTopic(t);
    const p = await (await adapter(driver)).producer();
    let acked = 0;
    let failed = 0;
    const errors = new Set();
    let seq = 0;
    for (let round = 0; round < c.rounds; round++) {
      const sends = Array.from({ length: c.concurrent }, () => {
        const batch = records(t, seq, c.perSend);
        seq += c.perSend;
        return p.send(t, batch).then(
          () => (acked += c.perSend),
          (error) => {
            failed += c.perSend;
            // platformatic nests the broker's error codes: MultipleErrors → ResponseError → ProtocolError.
            const causes = [];
            for (let e = error?.errors?.[0] ?? error?.cause; e && causes.length < 3; e = e.errors?.[0] ?? e.cause) causes.push(e.apiId ?? e.message);
            errors.add(`${String(error?.message ?? error)}${causes.length ? ` (${causes.join(' / ')})` : ''}`.slice(0, 200));
          },
        );
      });
      await Promise.all(sends);
    }
    await p.close().catch(() => {});
    const stored = await storedRecords(t);
    out.push({ ...c, attempted: seq, acked, failed, stored, lostAcked: Math.max(0, acked - stored), errors: [...errors].slice(0, 3) });
    await deleteTopic(t);
  }
  return { cases: out };
}

async function worker(job) {
  const topic = `drivers-${job.scenario}-${job.driver}-${Date.now().toString(36)}`;
  try {
    if (job.scenario === 'loss') return await loss(job.driver, topic);
    if (job.scenario === 'consume') return await consume(job.driver, topic, SCENARIOS.consume);
    return await produce(job.driver, topic, SCENARIOS[job.scenario]);
  } finally {
    await deleteTopic(topic);
  }
}

// ---------------------------------------------------------------------------------------------
// Orchestrator.

function ensureInstalled(driver) {
  const spec = DRIVERS[driver];
  if (spec.pkg === undefined) return;
  const dir = path.join(CACHE, 'drivers', driver);
  if (fs.existsSync(path.join(dir, 'node_modules', '@platformatic', 'kafka', 'package.json'))) return;
  fs.mkdirSync(dir, { recursive: true });
  console.log(`installing ${spec.pkg} into ${dir}`);
  execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false', spec.pkg], { stdio: 'inherit' });
}

/** The Node binary a driver runs under: this one, or Node 22 (installed like test/node-versions.mjs does). */
function nodeFor(driver, node22) {
  if (DRIVERS[driver].node !== 22) return process.execPath;
  if (node22 !== undefined) return node22;
  const dir = path.join(CACHE, 'node-22');
  const bin = path.join(dir, 'node_modules', 'node', 'bin', 'node');
  if (!fs.existsSync(bin)) {
    console.log(`${driver} needs Node 22: installing node@22 into ${dir}`);
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', 'node@22'], { stdio: 'inherit' });
  }
  return bin;
}

function runChild(job, execPath) {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(import.meta.url), ['--worker', JSON.stringify(job)], { execPath, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    let result;
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-2000)));
    child.on('message', (m) => (result = m));
    child.on('exit', (code) => resolve(result ?? { error: `exit ${code}: ${stderr.trim().split('\n').slice(-4).join(' | ')}` }));
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function orchestrate(args) {
  const drivers = (args.drivers ?? 'kafkajs,platformatic-1').split(',');
  const scenarios = (args.scenarios ?? 'produce100,produce1000,consume,loss').split(',');
  const runs = Number(args.runs ?? 3);
  for (const d of drivers) {
    if (!DRIVERS[d]) throw new Error(`unknown driver ${d}; use ${Object.keys(DRIVERS).join(', ')}`);
    ensureInstalled(d);
  }
  const versions = Object.fromEntries(drivers.map((d) => [d, execFileSync(nodeFor(d, args.node22), ['--version'], { encoding: 'utf8' }).trim()]));
  console.log(`drivers: ${drivers.map((d) => `${DRIVERS[d].label} (Node ${versions[d]})`).join(', ')}; ${runs} runs each; load ${os.loadavg()[0].toFixed(2)}`);
  const all = {};
  for (const scenario of scenarios) {
    const results = Object.fromEntries(drivers.map((d) => [d, []]));
    const rounds = scenario === 'loss' ? 1 : runs;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? drivers : [...drivers].reverse();
      for (const driver of order) {
        const result = await runChild({ driver, scenario }, nodeFor(driver, args.node22));
        results[driver].push(result);
        if (scenario === 'loss') {
          for (const c of result.cases ?? []) {
            console.log(`  loss   ${DRIVERS[driver].label.padEnd(28)} ${c.label.padEnd(36)} attempted ${c.attempted}, resolved ${c.acked}, rejected ${c.failed}, stored ${c.stored}, resolved but not stored ${c.lostAcked}${c.errors.length ? `; errors: ${c.errors.join(' / ')}` : ''}`);
          }
          if (result.error) console.log(`  loss   ${DRIVERS[driver].label}: ${result.error}`);
        } else if (result.error) {
          console.log(`  ${scenario.padEnd(11)} ${DRIVERS[driver].label.padEnd(28)} FAILED ${result.error}`);
        } else {
          console.log(
            `  ${scenario.padEnd(11)} ${DRIVERS[driver].label.padEnd(28)} ${Math.round(result.rate).toLocaleString('en-US').padStart(7)} msg/s, ${result.cpuPerMsgUs.toFixed(1).padStart(5)} µs CPU/msg` +
              (result.lost !== undefined ? `, stored ${result.stored}/${result.expected}` : '') + `  (load ${os.loadavg()[0].toFixed(2)})`,
          );
        }
      }
    }
    all[scenario] = results;
    if (scenario !== 'loss') {
      const summary = drivers.map((d) => {
        const ok = results[d].filter((x) => x.rate !== undefined);
        return ok.length ? `${DRIVERS[d].label}: ${Math.round(median(ok.map((x) => x.rate))).toLocaleString('en-US')} msg/s, ${median(ok.map((x) => x.cpuPerMsgUs)).toFixed(1)} µs CPU/msg` : `${DRIVERS[d].label}: no result`;
      });
      console.log(`= ${scenario} medians: ${summary.join('; ')}`);
    }
  }
  if (args.json) fs.writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), versions, all }, null, 2));
}

const { values: args } = parseArgs({
  options: {
    worker: { type: 'string' },
    drivers: { type: 'string' },
    scenarios: { type: 'string' },
    runs: { type: 'string' },
    node22: { type: 'string' },
    json: { type: 'string' },
  },
});

if (args.worker !== undefined) {
  worker(JSON.parse(args.worker)).then(
    (result) => process.send(result, () => process.exit(0)),
    (error) => {
      console.error(error?.stack ?? error);
      process.exit(1);
    },
  );
} else {
  orchestrate(args).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
