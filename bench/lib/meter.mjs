// Wall-clock and client-CPU measurement of one timed interval inside a worker process.

export class Meter {
  start() {
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
    return {
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
