// What a run measures: scenarios per backend, their parameters in quick and full mode, their
// targets, and the order of the child processes (warm-up, A B B A ..., then A A for noise).

const SECOND = 1000;

/** Parameters per scenario; `quick` keeps `pnpm bench --quick` under 5 minutes with brokers up. */
const PARAMS = {
  quick: {
    publish: { ms: 1_500, warmMs: 300 },
    consume: { rabbitmq: { n: 10_000, warm: 1_000 }, kafka: { n: 25_000, warm: 2_500 } },
    latency: { rabbitmq: { rate: 500, ms: 2 * SECOND, warmMs: 500 }, kafka: { rate: 100, ms: 2 * SECOND, warmMs: 1_000 } },
    rr: { ms: 1_500, warmMs: 300 },
    e2e: { n: 200_000, warm: 50_000 },
    // JSON costs ~30 µs a message here, so fewer of them give the same confidence.
    'e2e-json': { n: 100_000, warm: 20_000 },
    // Every message reaches 100 groups: n messages are 100 n deliveries.
    'e2e-fanout': { n: 10_000, warm: 2_000, groups: 100 },
  },
  full: {
    publish: { ms: 8 * SECOND, warmMs: 1_000 },
    consume: { rabbitmq: { n: 60_000, warm: 5_000 }, kafka: { n: 150_000, warm: 10_000 } },
    latency: { rabbitmq: { rate: 500, ms: 10 * SECOND, warmMs: 1_000 }, kafka: { rate: 100, ms: 10 * SECOND, warmMs: 2_000 } },
    rr: { ms: 6 * SECOND, warmMs: 1_000 },
    e2e: { n: 1_000_000, warm: 100_000 },
    'e2e-json': { n: 300_000, warm: 50_000 },
    'e2e-fanout': { n: 50_000, warm: 5_000, groups: 100 },
  },
};

/**
 * Result rows: which scenario, which number of a run it reports, and the target.
 * `better: 'higher'` → ratio = sdk / raw; `'lower'` → ratio = raw / sdk (higher is always better).
 */
export const METRICS = [
  { scenario: 'publish', label: 'publish (pipelined, confirms/acks=all)', run: 'publish', field: 'rate', unit: 'msg/s', better: 'higher', target: { ratio: 0.95 } },
  { scenario: 'consume', label: 'consume from backlog', run: 'consume', field: 'rate', unit: 'msg/s', better: 'higher', target: { ratio: 0.95 } },
  { scenario: 'latency-p50', label: 'end-to-end latency p50', run: 'latency', field: 'p50Us', unit: 'µs', better: 'lower', target: { addedUs: 50 } },
  { scenario: 'latency-p99', label: 'end-to-end latency p99', run: 'latency', field: 'p99Us', unit: 'µs', better: 'lower', target: null },
  { scenario: 'request-reply-1', label: 'request/reply, 1 in flight', run: 'rr1', field: 'rate', unit: 'req/s', better: 'higher', target: { ratio: 0.9 } },
  { scenario: 'request-reply-16', label: 'request/reply, 16 in flight', run: 'rr16', field: 'rate', unit: 'req/s', better: 'higher', target: { ratio: 0.95 } },
  { scenario: 'memory-e2e', label: 'publish → handler, 1 KiB bytes', run: 'e2e', field: 'rate', unit: 'msg/s', better: 'higher', target: { sdk: 1_000_000 } },
  { scenario: 'memory-e2e-json', label: 'publish → handler, 1 KiB JSON', run: 'e2e-json', field: 'rate', unit: 'msg/s', better: 'higher', target: { sdk: 300_000 } },
  // 1,000,000 deliveries/s = 1 µs per delivery: fan-out shares the decode across groups.
  { scenario: 'memory-fanout-100', label: 'fan-out to 100 groups, 1 KiB bytes (deliveries)', run: 'e2e-fanout', field: 'rate', unit: 'deliveries/s', better: 'higher', target: { sdk: 1_000_000 } },
];

export const BACKENDS = ['rabbitmq', 'kafka', 'memory'];

/** The runs (child processes) of one backend, in the order they execute. */
export function runsFor(backend, mode, { pairs, warmup, sdkReady, scenarios }) {
  const p = PARAMS[mode];
  const kinds = backend === 'memory' ? ['e2e', 'e2e-json', 'e2e-fanout'] : ['publish', 'consume', 'latency', 'rr1', 'rr16'];
  const runs = [];
  for (const kind of kinds) {
    // Exact names, plus `rr` for both request/reply runs and `e2e` for both memory runs.
    if (scenarios !== undefined && !scenarios.some((s) => s === kind || ((s === 'rr' || s === 'e2e') && kind.startsWith(s)))) continue;
    const params = kind.startsWith('rr') ? p.rr : (p[kind][backend] ?? p[kind]);
    const job = (side, role) => ({ backend, scenario: kind, side, params, role });
    if (backend === 'memory') {
      // No raw side: repeated SDK runs (as many as there are pairs elsewhere), after a warm-up in full mode.
      if (warmup) runs.push(job('sdk', 'warmup'));
      for (let i = 0; i < pairs; i++) runs.push({ ...job('sdk', 'B'), pair: i });
      continue;
    }
    const sides = sdkReady ? ['raw', 'sdk'] : ['raw'];
    if (warmup) for (const side of sides) runs.push(job(side, 'warmup'));
    for (let i = 0; i < pairs; i++) {
      // A B, then B A: drift over time (broker log growth, other load) hits both sides alike.
      const order = !sdkReady ? ['raw'] : i % 2 === 0 ? ['raw', 'sdk'] : ['sdk', 'raw'];
      for (const side of order) runs.push({ ...job(side, side === 'raw' ? 'A' : 'B'), pair: i });
    }
    // A against A, back to back: the noise floor of this scenario on this machine.
    runs.push({ ...job('raw', 'noise'), pair: 0 }, { ...job('raw', 'noise'), pair: 1 });
  }
  return runs;
}
