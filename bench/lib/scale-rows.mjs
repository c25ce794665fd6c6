// The scale benchmark's points as judged result rows: `node bench/scale.mjs --write` stores the
// points of one backend in bench/results/scale-<backend>.json; `pnpm bench` adds the rows of every
// such file to latest.json, its table and its chart (kind: 'scale').
import fs from 'node:fs';
import path from 'node:path';

/** A point's cost per unit of work may grow this much over the dimension's first point before it counts as super-linear. */
export const GROWTH_LIMIT = 1.5;
/** Fan-out on the embedded broker decodes once and shares it: each extra delivery must stay under this. */
export const EXTRA_DELIVERY_LIMIT_US = 1;
/** Draining a backlog may hold at most this much live heap beyond what the waiting messages account for. */
export const BACKLOG_HELD_LIMIT_MIB = 16;

const BACKENDS = ['memory', 'rabbitmq', 'kafka'];

/**
 * Adds to each point what it is judged by: `growth` (cost per unit of work ÷ the dimension's first
 * point's; work per message is constant along concurrency and channels and linear in groups),
 * `perExtraDeliveryUs` for fan-out, and `met` against the limits above.
 */
export function judge(points, backend) {
  const base = {};
  for (const p of points) {
    if (p.error !== undefined || p.dimension === 'backlog') continue;
    base[p.dimension] ??= p;
  }
  return points.map((p) => {
    if (p.error !== undefined) return { ...p, met: false };
    if (p.dimension === 'backlog') {
      return { ...p, target: `handlers ≤ concurrency; live heap beyond the waiting messages < ${BACKLOG_HELD_LIMIT_MIB} MiB`, met: p.maxRunning <= p.concurrency && p.consumerHeldMiB < BACKLOG_HELD_LIMIT_MIB };
    }
    const ref = base[p.dimension];
    const expected = p.dimension === 'groups' ? p.groups / ref.groups : 1;
    const growth = p.cpuUsPerMessage / ref.cpuUsPerMessage / expected;
    const perExtraDeliveryUs = p.dimension === 'groups' && p.groups > ref.groups ? (p.cpuUsPerMessage - ref.cpuUsPerMessage) / (p.groups - ref.groups) : undefined;
    const fanOutLimit = backend === 'memory' && perExtraDeliveryUs !== undefined;
    const target = `${p.dimension === 'groups' ? 'linear' : 'flat'}: ≤ ${GROWTH_LIMIT}× the first point's cost per ${p.dimension === 'groups' ? 'delivery' : 'message'}${fanOutLimit ? `, < ${EXTRA_DELIVERY_LIMIT_US} µs per extra delivery` : ''}`;
    const met = growth <= GROWTH_LIMIT && (!fanOutLimit || perExtraDeliveryUs < EXTRA_DELIVERY_LIMIT_US);
    return { ...p, growth, ...(perExtraDeliveryUs !== undefined && { perExtraDeliveryUs }), target, met };
  });
}

/** What a point varies, for labels: "concurrency 64", "100 groups", "backlog 1,000,000". */
export function pointLabel(p) {
  if (p.dimension === 'backlog') return `backlog ${p.backlog.toLocaleString('en-US')}`;
  if (p.dimension === 'concurrency') return `concurrency ${p.concurrency}`;
  if (p.dimension === 'channels') return `${p.channels} channel${p.channels === 1 ? '' : 's'}`;
  return `${p.groups} group${p.groups === 1 ? '' : 's'} per channel`;
}

/** The judged rows of every bench/results/scale-<backend>.json present, with where each came from. */
export function scaleRows(resultsDir) {
  const rows = [];
  for (const backend of BACKENDS) {
    const file = path.join(resultsDir, `scale-${backend}.json`);
    if (!fs.existsSync(file)) continue;
    const { meta, results } = JSON.parse(fs.readFileSync(file, 'utf8'));
    const source = { file: `bench/results/scale-${backend}.json`, started: meta.started, commit: meta.commit ?? null, load: meta.load };
    for (const p of judge(results, backend)) rows.push({ kind: 'scale', backend, scenario: `scale-${p.dimension}`, label: pointLabel(p), ...p, source });
  }
  return rows;
}
