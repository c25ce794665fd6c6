// Small, dependency-free statistics for benchmark samples.

/** Value at quantile q (0..1) of a numeric array, by linear interpolation between ranks. */
export function quantile(values, q) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = (sorted.length - 1) * q;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export const median = (values) => quantile(values, 0.5);

export function min(values) {
  return values.length === 0 ? null : Math.min(...values);
}

export function max(values) {
  return values.length === 0 ? null : Math.max(...values);
}

/** Rounds to a number of significant digits, keeping JSON small and tables readable. */
export function round(value, digits = 4) {
  if (value === null || value === undefined || !Number.isFinite(value)) return value ?? null;
  if (value === 0) return 0;
  const scale = 10 ** (digits - 1 - Math.floor(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}
