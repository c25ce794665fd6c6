// Hand-written SVG bar chart: one bar per row, the per-pair ratio (SDK vs raw, higher is better)
// with its min–max whisker, the parity line at 1.0 and each row's target. The memory backend has
// no raw side, so its bar is throughput as a fraction of its msg/s target. Below it, a second panel
// for the scale rows: each point's cost growth over its dimension's first point (1.0 = flat).
import { GROWTH_LIMIT } from './scale-rows.mjs';

const WIDTH = 1120;
const LABEL = 370;
const BAR_AREA = 420;
const ROW = 28;
const TOP = 58;
const SCALE_MAX = 1.25;
const TICKS = [0, 0.25, 0.5, 0.75, 1, 1.25];
/** The growth panel: 0–3×, with the super-linear limit marked. */
const GROWTH = { max: 3, ticks: [0, 0.5, 1, 1.5, 2, 2.5, 3] };

const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const xOn = (max) => (value) => LABEL + (Math.max(0, Math.min(value, max)) / max) * BAR_AREA;

function colour(row) {
  if (row.met === true) return '#2e7d32';
  if (row.met === false) return '#c62828';
  return '#78909c';
}

function barOf(row) {
  if (row.backend === 'memory') {
    const target = Number(String(row.target ?? '').replace(/[^0-9]/g, '')) || 300_000;
    if (row.sdk == null) return { value: null, text: 'not measured' };
    const rate = `${Math.round(row.sdk).toLocaleString('en-US')} ${row.unit ?? 'msg/s'}`;
    // Rows without a target of their own share the scale of the memory target.
    return { value: row.sdk / target, text: row.target == null ? rate : `${rate} = ${(row.sdk / target).toFixed(2)}× target` };
  }
  const extra = row.addedUs != null ? `, ${row.addedUs >= 0 ? '+' : ''}${Math.round(row.addedUs)} µs` : '';
  return { value: row.ratio, text: row.ratio == null ? 'not measured' : `${row.ratio.toFixed(2)}${extra}` };
}

function targetOf(row) {
  const match = /ratio ≥ ([0-9.]+)/.exec(row.target ?? '');
  if (match) return Number(match[1]);
  if (row.backend === 'memory' && row.target != null) return 1;
  return null;
}

/**
 * One panel of bars from `top`: `bar(row)` gives { value, text }, `target(row)` the ▲ (or null);
 * whiskers where a row has ratioMin/ratioMax. Returns the y below the panel's axis labels.
 */
function panel(parts, rows, { top, max, ticks, bar, target, line = 1 }) {
  const x = xOn(max);
  for (const tick of ticks) {
    const tx = x(tick);
    parts.push(`<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${top + rows.length * ROW}" stroke="${tick === line ? '#333' : '#e0e0e0'}" stroke-dasharray="${tick === line ? '4 3' : ''}"/>`);
    parts.push(`<text x="${tx}" y="${top + rows.length * ROW + 16}" text-anchor="middle" fill="#555">${tick.toFixed(2)}</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * ROW;
    const b = bar(row);
    if (i > 0 && rows[i - 1].backend !== row.backend) parts.push(`<line x1="12" y1="${y}" x2="${WIDTH - 12}" y2="${y}" stroke="#bbb"/>`);
    parts.push(`<text x="${LABEL - 8}" y="${y + 17}" text-anchor="end">${esc(row.backend)} · ${esc(row.label)}</text>`);
    if (b.value != null) {
      parts.push(`<rect x="${LABEL}" y="${y + 6}" width="${(x(b.value) - LABEL).toFixed(1)}" height="${ROW - 12}" fill="${colour(row)}" opacity="0.85"/>`);
      // Off the scale: a chevron says the bar continues.
      if (b.value > max) parts.push(`<path d="M ${x(max) + 2} ${y + 6} l 7 ${(ROW - 12) / 2} l -7 ${(ROW - 12) / 2} Z" fill="${colour(row)}"/>`);
      if (row.ratioMin != null && row.ratioMax != null) {
        const y0 = y + ROW / 2;
        parts.push(`<line x1="${x(row.ratioMin).toFixed(1)}" y1="${y0}" x2="${x(row.ratioMax).toFixed(1)}" y2="${y0}" stroke="#111" stroke-width="1.5"/>`);
        for (const v of [row.ratioMin, row.ratioMax]) parts.push(`<line x1="${x(v).toFixed(1)}" y1="${y0 - 5}" x2="${x(v).toFixed(1)}" y2="${y0 + 5}" stroke="#111" stroke-width="1.5"/>`);
      }
    }
    const t = target(row);
    if (t != null) {
      const tx = x(t);
      parts.push(`<path d="M ${tx - 5} ${y + ROW - 1} L ${tx + 5} ${y + ROW - 1} L ${tx} ${y + ROW - 8} Z" fill="#111"/>`);
    }
    parts.push(`<text x="${LABEL + BAR_AREA + 10}" y="${y + 17}" fill="${colour(row)}">${esc(b.text)}</text>`);
  });
  return top + rows.length * ROW + 40;
}

/** A scale row's bar: growth over the first point (a backlog has none: its text says what it held). */
function growthBar(row) {
  if (row.error !== undefined) return { value: null, text: 'failed' };
  if (row.dimension === 'backlog') return { value: null, text: `drain ${Math.round(row.drainMsgPerSec).toLocaleString('en-US')}/s · ${row.consumerHeldMiB.toFixed(1)} MiB held · ≤ ${row.maxRunning} at once` };
  const extra = row.perExtraDeliveryUs === undefined ? '' : ` · ${row.perExtraDeliveryUs.toFixed(row.perExtraDeliveryUs < 1 ? 2 : 1)} µs/extra`;
  return { value: row.growth, text: `×${row.growth.toFixed(2)} · ${row.cpuUsPerMessage.toFixed(1)} µs/msg${extra}` };
}

export function svg(rows, meta, scale = []) {
  const scaleTop = TOP + rows.length * ROW + 40 + (scale.length > 0 ? 56 : 0);
  const height = scale.length > 0 ? scaleTop + scale.length * ROW + 40 : TOP + rows.length * ROW + 40;
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(`<text x="12" y="20" font-size="15" font-weight="600">Switchboard vs raw client (${esc(meta.mode)} run, ${esc(meta.date.slice(0, 10))})</text>`);
  parts.push(`<text x="12" y="38" fill="#555">ratio per A/B pair, median and min–max: SDK÷raw for throughput, raw÷SDK for latency; higher is better; memory: msg/s ÷ target. ▲ = target</text>`);
  panel(parts, rows, { top: TOP, max: SCALE_MAX, ticks: TICKS, bar: barOf, target: targetOf });
  if (scale.length > 0) {
    const dates = [...new Set(scale.map((r) => `${r.source.started.slice(0, 10)}${r.source.commit ? ` at ${r.source.commit}` : ''}`))].join(', ');
    parts.push(`<text x="12" y="${scaleTop - 34}" font-size="15" font-weight="600">Cost as work grows (pnpm bench:scale, ${esc(dates)})</text>`);
    parts.push(`<text x="12" y="${scaleTop - 16}" fill="#555">CPU per message (per delivery for groups) ÷ the dimension's first point: 1.00 = flat, lower is better; ▲ = ${GROWTH_LIMIT}× (super-linear beyond)</text>`);
    panel(parts, scale, { top: scaleTop, max: GROWTH.max, ticks: GROWTH.ticks, bar: growthBar, target: (row) => (row.growth === undefined ? null : GROWTH_LIMIT) });
  }
  parts.push(`<text x="12" y="${height - 8}" fill="#777">${esc(`${meta.machine.cpus}× ${meta.machine.cpuModel}, broker on the same machine; A/B run: commit ${meta.commit}, ${meta.durationText}`)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
