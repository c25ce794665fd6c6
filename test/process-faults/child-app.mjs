#!/usr/bin/env node
// An application as its own process, with Node's default settings (an unhandled rejection kills
// it): what the process-level fault tests start. It reports on stdout, one JSON object a line.
// Usage: node child-app.mjs subscriber|publisher|crashes|graceful   (URL, CHANNEL, TOTAL, HANDLER_MS from the environment)
import { closeOnSignals, connect, SwitchboardError } from '@switchboard/core';

const [mode] = process.argv.slice(2);
const url = process.env.URL;
const channel = process.env.CHANNEL;
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const options = url.startsWith('kafka:') ? { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000, maxWaitTimeMs: 200 } : {};

/** Exits 0 only when told (SIGTERM), after closing the bus; nothing else keeps the process alive. */
function exitOnSigterm(bus) {
  process.once('SIGTERM', () => {
    bus.close().then(
      () => process.exit(0),
      () => process.exit(3),
    );
  });
}

async function subscriber() {
  const bus = await connect({ url, options, channels: { [channel]: { groups: ['w'] } } });
  exitOnSigterm(bus);
  await bus.channel(channel).subscribe('w', (m) => say({ handled: m.payload.n }), { concurrency: 8 });
  say({ ready: true });
}

async function publisher() {
  const total = Number(process.env.TOTAL ?? 1000);
  const bus = await connect({ url, options, channels: { [channel]: { groups: ['w'], requires: { durable: true } } } });
  let failures = 0;
  say({ ready: true });
  // 100 in flight; a publish that fails retriably is tried again, as an application would.
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const n = next++;
      for (;;) {
        try {
          await bus.channel(channel).publish({ n });
          break;
        } catch (error) {
          if (!SwitchboardError.is(error) || !error.retriable) throw error;
          failures++;
        }
      }
      if (n % 1000 === 0) say({ progress: n });
    }
  };
  await Promise.all(Array.from({ length: 100 }, worker));
  say({ done: true, confirmed: total, failures });
  await bus.close();
  // The script simply ends here: a clean exit (code 0) once the bus is closed.
}

/** Every call that once crashed the process, each expected to reject with a typed error instead. */
async function crashes() {
  const requestReply = { requires: { requestReply: true } };
  const bus = await connect({ url, options, requestTimeoutMs: 5000, channels: { [channel]: { groups: ['w'] }, [`${channel}-rpc`]: requestReply } });
  exitOnSigterm(bus);
  const outcome = async (name, work) => {
    try {
      await work();
      say({ case: name, outcome: 'resolved' });
    } catch (error) {
      say({ case: name, outcome: SwitchboardError.is(error) ? error.code : `untyped ${error?.name}: ${error?.message}` });
    }
  };
  const ch = bus.channel(channel);
  for (const key of [5, null, {}, true]) {
    // A bad key beside a valid publish in the same tick: only the bad one may fail.
    await Promise.all([outcome(`key ${JSON.stringify(key)}`, () => ch.publish({ n: 0 }, { key })), outcome(`valid beside key ${JSON.stringify(key)}`, () => ch.publish({ n: 1 }))]);
  }
  for (const [name, payload] of [['BigInt', 1n], ['function', () => {}], ['symbol', Symbol('x')]]) await outcome(`payload ${name}`, () => ch.publish(payload));
  const rpc = bus.channel(`${channel}-rpc`);
  await rpc.respond(async (m) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return m.payload;
  });
  for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2 ** 31]) await outcome(`request timeoutMs ${timeoutMs}`, () => rpc.request({ q: 1 }, { timeoutMs }));
  // Times out before its own publish is confirmed: the rejection must arrive here, nowhere else.
  await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(`request timeoutMs 1 #${i}`, () => rpc.request({ q: i }, { timeoutMs: 1 }))));
  // The first publish of a declared channel, then close() at once.
  const other = await connect({ url, options, channels: { [`${channel}-late`]: {} } });
  const late = other.channel(`${channel}-late`).publish({ n: 2 }).then(() => 'resolved', (error) => (SwitchboardError.is(error) ? error.code : `untyped ${error?.name}`));
  await other.close();
  say({ case: 'publish then close', outcome: await late });
  say({ done: true });
}

/**
 * A worker that shuts down the documented way: closeOnSignals(). Its handler takes HANDLER_MS and
 * reports when it starts and when its work is done, so a test can SIGTERM it mid-batch and check
 * that everything started was finished (and acked) before the process exited.
 */
async function graceful() {
  const bus = await connect({ url, options, channels: { [channel]: { groups: ['w'] } } });
  closeOnSignals(bus, { timeoutMs: 20_000 });
  const work = Number(process.env.HANDLER_MS ?? 50);
  await bus.channel(channel).subscribe(
    'w',
    async (m) => {
      say({ started: m.payload.n });
      await new Promise((resolve) => setTimeout(resolve, work));
      say({ handled: m.payload.n });
    },
    { concurrency: 8 },
  );
  say({ ready: true });
}

const modes = { subscriber, publisher, crashes, graceful };
if (!(mode in modes)) {
  process.stderr.write('usage: child-app.mjs subscriber|publisher|crashes|graceful\n');
  process.exit(2);
}
await modes[mode]();
