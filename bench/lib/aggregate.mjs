// Turns the finished runs into result rows `{ scenario, backend, unit, sdk, raw, ratio, ... }`.
import { METRICS } from './plan.mjs';
import { max, median, min, round } from './stats.mjs';

function valuesOf(runs, role, field) {
  return runs.filter((r) => r.job.role === role && r.result !== undefined).map((r) => r.result[field]);
}

function cpuOf(runs, role, field = 'cpuPerMsgUs') {
  const values = valuesOf(runs, role, field).filter((v) => v != null);
  return values.length === 0 ? null : round(median(values), 3);
}

/** sdk/raw for higher-is-better numbers, raw/sdk for lower-is-better: > 1 always favours the SDK. */
function ratioOf(metric, raw, sdk) {
  if (raw == null || sdk == null || raw === 0 || sdk === 0) return null;
  return metric.better === 'higher' ? sdk / raw : raw / sdk;
}

function pairRatios(runs, metric) {
  const ratios = [];
  for (const a of runs.filter((r) => r.job.role === 'A' && r.result !== undefined)) {
    const b = runs.find((r) => r.job.role === 'B' && r.job.pair === a.job.pair && r.result !== undefined);
    if (b !== undefined) ratios.push(ratioOf(metric, a.result[metric.field], b.result[metric.field]));
  }
  return ratios.filter((r) => r !== null);
}

/** B minus A per pair, for the latency rows' "added µs". */
function pairDiffs(runs, field) {
  const diffs = [];
  for (const a of runs.filter((r) => r.job.role === 'A' && r.result !== undefined)) {
    const b = runs.find((r) => r.job.role === 'B' && r.job.pair === a.job.pair && r.result !== undefined);
    if (b !== undefined) diffs.push(b.result[field] - a.result[field]);
  }
  return diffs;
}

function targetText(target, unit = 'msg/s') {
  if (target == null) return null;
  if (target.ratio !== undefined) return `ratio ≥ ${target.ratio}`;
  if (target.addedUs !== undefined) return `SDK p50 ≤ raw + ${target.addedUs} µs`;
  return `≥ ${target.sdk.toLocaleString('en-US')} ${unit}`;
}

function verdict(metric, row) {
  const t = metric.target;
  if (t == null) return null;
  if (t.ratio !== undefined) return row.ratio == null ? null : row.ratio >= t.ratio;
  if (t.addedUs !== undefined) return row.addedUs == null ? null : row.addedUs <= t.addedUs;
  return row.sdk == null ? null : row.sdk >= t.sdk;
}

/** One row per (backend, metric) that has at least one measured run. */
export function aggregate(records) {
  const rows = [];
  const backends = [...new Set(records.map((r) => r.job.backend))];
  for (const backend of backends) {
    for (const metric of METRICS) {
      const runs = records.filter((r) => r.job.backend === backend && r.job.scenario === metric.run);
      if (runs.length === 0) continue;
      const rawValues = valuesOf(runs, 'A', metric.field);
      const sdkValues = valuesOf(runs, 'B', metric.field);
      const ratios = pairRatios(runs, metric);
      const noiseValues = valuesOf(runs, 'noise', metric.field);
      const memory = backend === 'memory';
      const row = {
        scenario: metric.scenario,
        backend,
        unit: metric.unit,
        sdk: sdkValues.length === 0 ? null : round(median(sdkValues)),
        raw: memory || rawValues.length === 0 ? null : round(median(rawValues)),
        ratio: memory || ratios.length === 0 ? null : round(median(ratios), 3),
        label: metric.label,
        better: metric.better,
        sdkMin: round(min(sdkValues)),
        sdkMax: round(max(sdkValues)),
        rawMin: memory ? null : round(min(rawValues)),
        rawMax: memory ? null : round(max(rawValues)),
        ratioMin: ratios.length === 0 ? null : round(min(ratios), 3),
        ratioMax: ratios.length === 0 ? null : round(max(ratios), 3),
        pairs: ratios.length,
        // Two raw runs back to back: how far apart identical runs land on this machine.
        noise: noiseValues.length === 2 ? round(ratioOf(metric, noiseValues[0], noiseValues[1]), 3) : null,
        cpuPerMsgUs: { sdk: cpuOf(runs, 'B'), raw: memory ? null : cpuOf(runs, 'A') },
        brokerCpuPerMsgUs: memory ? null : { sdk: cpuOf(runs, 'B', 'brokerCpuPerMsgUs'), raw: cpuOf(runs, 'A', 'brokerCpuPerMsgUs') },
        failures: runs.filter((r) => r.error !== undefined).length,
        target: targetText(metric.target, metric.unit),
      };
      if (metric.scenario === 'latency-p50' && row.sdk != null && row.raw != null) {
        // Median of the per-pair differences (robust to drift between pairs), and the A/A difference.
        const diffs = pairDiffs(runs, metric.field);
        row.addedUs = round(diffs.length > 0 ? median(diffs) : row.sdk - row.raw);
        row.addedUsMin = round(min(diffs));
        row.addedUsMax = round(max(diffs));
        if (noiseValues.length === 2) row.noiseUs = round(noiseValues[1] - noiseValues[0]);
      }
      if (memory && row.sdk != null) row.perMessageUs = round(1e6 / row.sdk, 3);
      if (metric.field !== 'rate') {
        const rates = (role) => valuesOf(runs, role, 'rate');
        row.achievedRate = { sdk: round(median(rates('B'))), raw: memory ? null : round(median(rates('A'))) };
      }
      row.met = verdict(metric, row);
      // A miss is not resolved when some pairs met the target and the gap is no larger than the
      // one between two identical raw runs.
      if (row.met === false) {
        const t = metric.target;
        if (row.addedUs != null && row.noiseUs != null) {
          row.withinNoise = row.addedUsMin <= t.addedUs && Math.abs(row.addedUs) <= Math.abs(row.noiseUs);
        } else if (row.ratio != null && row.noise != null && t.ratio !== undefined) {
          row.withinNoise = row.ratioMax >= t.ratio && Math.abs(1 - row.ratio) <= Math.abs(1 - row.noise);
        }
      }
      rows.push(row);
    }
  }
  return rows;
}
