// Scenario drivers shared by every side. A side only supplies the client calls (send, consume,
// request); pacing, windows, warm-up and measurement live here, so A and B are driven identically.
import { makeJsonPayload, makePayload, PREBUILT, sentAtOf, seqOf } from './payload.mjs';
import { Meter, progressReporter, waitFor } from './meter.mjs';
import { quantile } from './stats.mjs';

/** Messages handed to the client per pipelined step: core's publish batch size (1000 msgs). */
export const CHUNK = 1000;
/** Pipelined steps kept in flight: the next chunk is written while the previous one is confirmed. */
export const WINDOW = 2;

/**
 * Pipelined publishing with confirms / acks=all: keep WINDOW chunks of CHUNK messages in flight,
 * each chunk resolving when the broker confirmed all of it. Runs `warmMs` untimed, then `ms` timed.
 */
export async function publishThroughput(side, { ms, warmMs }) {
  const publisher = await side.publisher();
  let seq = 0;
  const run = async (durationMs, report) => {
    const inFlight = [];
    let sent = 0;
    const end = performance.now() + durationMs;
    while (performance.now() < end) {
      const payloads = new Array(CHUNK);
      for (let i = 0; i < CHUNK; i++) payloads[i] = makePayload(seq++);
      inFlight.push(publisher.send(payloads));
      sent += CHUNK;
      if (inFlight.length >= WINDOW) await inFlight.shift();
      report?.(Math.round(performance.now() - (end - durationMs)), durationMs);
    }
    await Promise.all(inFlight);
    return sent;
  };
  await run(warmMs);
  const meter = new Meter();
  meter.start();
  const sent = await run(ms, progressReporter('publish'));
  const result = meter.stop(sent);
  await publisher.close();
  return result;
}

/**
 * Consumes a backlog the side pre-filled with `warm + n` messages (the same raw records for A and
 * B). The first `warm` messages are untimed (consumer start-up, JIT); the clock runs from the
 * first timed message to the last.
 */
export async function consumeThroughput(side, { n, warm }) {
  const consumer = await side.consumer(warm + n);
  const report = progressReporter('consume');
  const meter = new Meter();
  let received = 0;
  let result;
  await consumer.start(() => {
    received++;
    if (received === warm) meter.start();
    else if (received === warm + n) result = meter.stop(n);
    if (received > warm) report(received - warm, n);
  });
  await waitFor(() => result !== undefined, `${warm + n} messages (got ${received})`, 300_000, 2);
  await consumer.close();
  return result;
}

/**
 * End-to-end latency at a fixed publish rate: each message is published on its own (no
 * pipelining), consumed in the same process, and timed from just before publish() to the handler.
 */
export async function endToEndLatency(side, { rate, ms, warmMs }) {
  const pipe = await side.latencyPipe();
  const samples = [];
  let timing = false;
  let received = 0;
  await pipe.subscribe((payload) => {
    received++;
    if (timing && seqOf(payload) >= 0) samples.push((performance.now() - sentAtOf(payload)) * 1000);
  });
  const report = progressReporter('latency');
  let settled = 0;
  let failure;
  const drive = async (durationMs, measure) => {
    const start = performance.now();
    let sent = 0;
    for (;;) {
      const elapsed = performance.now() - start;
      if (elapsed >= durationMs || failure !== undefined) break;
      const due = Math.floor((elapsed / 1000) * rate);
      for (; sent < due; sent++) {
        pipe.send(makePayload(measure ? sent : -1 - sent)).then(() => settled++, (error) => (failure = error));
      }
      if (measure) report(Math.round(elapsed), durationMs);
      // Sleep until the next message is due (no busy loop: it would eat the CPU the broker shares).
      const nextDue = ((sent + 1) / rate) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextDue - (performance.now() - start))));
    }
    return sent;
  };
  const warmSent = await drive(warmMs, false);
  await waitFor(() => received >= warmSent, 'warm-up messages', 30_000, 1);
  timing = true;
  const meter = new Meter();
  meter.start();
  const sent = await drive(ms, true);
  await waitFor(() => failure !== undefined || (received >= warmSent + sent && settled >= warmSent + sent), `latency messages (${received - warmSent}/${sent})`, 60_000, 1);
  if (failure !== undefined) throw failure;
  const result = meter.stop(sent);
  await pipe.close();
  return {
    ...result,
    targetRate: rate,
    p50Us: quantile(samples, 0.5),
    p90Us: quantile(samples, 0.9),
    p99Us: quantile(samples, 0.99),
    maxUs: quantile(samples, 1),
  };
}

/** Request/reply round trips per second with `inFlight` requests outstanding at all times. */
export async function requestReply(side, { inFlight, ms, warmMs }) {
  const rpc = await side.requestReply();
  let seq = 0;
  const drive = async (durationMs, report) => {
    const end = performance.now() + durationMs;
    let done = 0;
    const loop = async () => {
      while (performance.now() < end) {
        const request = makePayload(seq++);
        const reply = await rpc.request(request);
        if (seqOf(reply) !== seqOf(request)) throw new Error(`reply ${seqOf(reply)} does not match request ${seqOf(request)}`);
        done++;
        report?.(Math.round(durationMs - (end - performance.now())), durationMs);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, loop));
    return done;
  };
  await drive(warmMs);
  const meter = new Meter();
  meter.start();
  const done = await drive(ms, progressReporter(`request/reply x${inFlight}`));
  const result = meter.stop(done);
  await rpc.close();
  return result;
}

/**
 * Publish and consume in one process (the memory backend): `warm` messages untimed, then `n`
 * timed from the first publish to the last handler call. Publishing is pipelined as above. With
 * `groups`, every message goes to that many subscriber groups and the rate counts deliveries.
 */
export async function endToEndThroughput(side, { n, warm, json = false, groups = 1 }) {
  const make = json ? makeJsonPayload : (seq) => PREBUILT[seq & 1023];
  const pipe = await side.pipe(groups);
  let received = 0;
  await pipe.subscribe(() => {
    received++;
  });
  const report = progressReporter('end-to-end');
  let seq = 0;
  const run = async (count, onProgress) => {
    const target = received + count * groups;
    const inFlight = [];
    for (let sent = 0; sent < count; sent += CHUNK) {
      const size = Math.min(CHUNK, count - sent);
      const payloads = new Array(size);
      for (let i = 0; i < size; i++) payloads[i] = make(seq++);
      inFlight.push(pipe.sendMany(payloads));
      if (inFlight.length >= WINDOW) await inFlight.shift();
      onProgress?.(sent + size, count);
    }
    await Promise.all(inFlight);
    await waitFor(() => received >= target, `${count} handled messages`, 120_000, 1);
  };
  await run(warm);
  const meter = new Meter();
  meter.start();
  await run(n, report);
  const result = meter.stop(n * groups);
  await pipe.close();
  return result;
}
