// Wall-clock and client-CPU measurement of one timed interval inside a worker process. With
// BENCH_PROFILE_DIR set (`pnpm bench --profile`), the timed interval, and only that, is CPU-profiled.
import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

let profiling;

function startProfile() {
  const dir = process.env.BENCH_PROFILE_DIR;
  if (!dir) return;
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  profiling = { session, dir };
}

function stopProfile() {
  if (profiling === undefined) return;
  const { session, dir } = profiling;
  profiling = new Promise((resolve) => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) fs.writeFileSync(path.join(dir, `${process.env.BENCH_PROFILE_NAME ?? `bench-${process.pid}`}.cpuprofile`), JSON.stringify(result.profile));
      session.disconnect();
      resolve();
    });
  });
}

/** Resolves once a CPU profile of the timed interval (if any) is on disk. */
export function profileWritten() {
  return Promise.resolve(profiling);
}

/** CPU seconds a process has used so far (Linux /proc, clock ticks of 10 ms), or undefined. */
function processCpuMs(pid) {
  if (!pid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the full line, 12 and 13 after "pid (comm) ".
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export class Meter {
  start() {
    startProfile();
    this.broker0 = processCpuMs(process.env.BENCH_BROKER_PID);
    this.t0 = performance.now();
    this.cpu0 = process.cpuUsage();
    this.elu0 = performance.eventLoopUtilization();
  }

  /** Ends the interval; `count` is the number of messages (or round trips) it covered. */
  stop(count) {
    const wallMs = performance.now() - this.t0;
    const cpu = process.cpuUsage(this.cpu0);
    const cpuUs = cpu.user + cpu.system;
    const elu = performance.eventLoopUtilization(this.elu0).utilization;
    const broker1 = processCpuMs(process.env.BENCH_BROKER_PID);
    stopProfile();
    return {
      // The broker's CPU over the same interval (same machine): where the rest of the cores went.
      brokerCpuPerMsgUs: this.broker0 === undefined || broker1 === undefined ? null : ((broker1 - this.broker0) * 1000) / count,
      count,
      wallMs,
      rate: count / (wallMs / 1000),
      cpuPerMsgUs: cpuUs / count,
      // More than 1.0 means the client used more than one core (libuv threads, GC helpers).
      cpuCores: cpuUs / 1000 / wallMs,
      eventLoopUtilization: elu,
    };
  }
}

/** Reports progress to the orchestrator at most every 250 ms. */
export function progressReporter(phase) {
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (now - last < 250 && done !== total) return;
    last = now;
    process.send?.({ type: 'progress', phase, done, total });
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `predicate()` is true, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(predicate, what, timeoutMs = 60_000, everyMs = 5) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
