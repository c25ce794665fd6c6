import { CAPABILITY_NAMES, type CapabilityReport, type CapabilitySupport } from '@switchboard/core';
import type { CapabilityOutcome, CheckResult, Outcome } from './check.js';
import type { Styles } from './terminal.js';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/** Lines of a table whose columns fit their widest cell; `styleCell` colours after padding. */
function table(rows: string[][], styleCell: (text: string, row: number, column: number) => string = (t) => t): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row, r) => row.map((cell, c) => styleCell(c === row.length - 1 ? cell : pad(cell, widths[c] as number), r, c)).join('  ').trimEnd());
}

function limitsText(limits: Record<string, number | string | boolean> | undefined): string {
  return limits === undefined ? '' : Object.entries(limits).map(([key, value]) => `${key}=${value}`).join(', ');
}

function outcomeStyle(styles: Styles, outcome: string): (text: string) => string {
  if (outcome.startsWith('native')) return styles.green;
  if (outcome.startsWith('emulated')) return styles.cyan;
  if (outcome.startsWith('degraded')) return styles.yellow;
  if (outcome.startsWith('refused') || outcome.startsWith('unsupported')) return styles.red;
  return (text) => text;
}

/** The capability matrix as text: a support table, then each backend's details and limits. */
export function renderMatrix(reports: { name: string; capabilities: CapabilityReport }[], styles: Styles): string {
  const rows = [['capability', ...reports.map((r) => r.name)], ...CAPABILITY_NAMES.map((cap) => [cap, ...reports.map((r) => r.capabilities[cap].support)])];
  const lines = table(rows, (text, row, column) => (row === 0 ? styles.bold(text) : column === 0 ? text : outcomeStyle(styles, text.trim())(text)));
  for (const report of reports) {
    lines.push('', styles.bold(`${report.name}:`));
    for (const cap of CAPABILITY_NAMES) {
      const entry: CapabilitySupport = report.capabilities[cap];
      const limits = limitsText(entry.limits);
      lines.push(`  ${cap} (${outcomeStyle(styles, entry.support)(entry.support)}): ${entry.detail}${limits ? ` Limits: ${limits}.` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function cell(outcome: CapabilityOutcome | undefined): string {
  if (outcome === undefined) return '-';
  const limits = limitsText(outcome.limits);
  return outcome.outcome === 'emulated' && limits ? `emulated (${limits})` : outcome.outcome;
}

const NOTEWORTHY: readonly Outcome[] = ['emulated', 'degraded', 'refused'];

/**
 * `check` as text: per channel, one row per declared capability with a column per backend, then
 * the reason behind every emulated, degraded or refused cell (and who would satisfy a refusal).
 */
export function renderCheck(results: CheckResult[], styles: Styles): string {
  const lines: string[] = [];
  for (const r of results) lines.push(`${styles.bold(r.backend)}: ${r.url}`);
  const channels = [...new Set(results.flatMap((r) => Object.keys(r.channels)))];
  for (const channel of channels) {
    lines.push('', styles.bold(`channel ${channel}`));
    const capabilities = [...new Set(results.flatMap((r) => (r.channels[channel] ?? []).map((o) => o.capability)))];
    if (capabilities.length === 0) {
      lines.push('  declares no capabilities');
      continue;
    }
    const rows = [
      ['capability', 'required', ...results.map((r) => r.backend)],
      ...capabilities.map((cap) => {
        const first = results.map((r) => r.channels[channel]?.find((o) => o.capability === cap)).find((o) => o !== undefined);
        return [cap, String(first?.required ?? ''), ...results.map((r) => cell(r.channels[channel]?.find((o) => o.capability === cap)))];
      }),
    ];
    lines.push(...table(rows, (text, row, column) => (row === 0 ? styles.dim(text) : column >= 2 ? outcomeStyle(styles, text.trim())(text) : text)).map((l) => `  ${l}`));
    for (const r of results) {
      for (const o of r.channels[channel] ?? []) {
        if (!NOTEWORTHY.includes(o.outcome)) continue;
        const by = o.satisfiedBy === undefined ? '' : ` Satisfied by: ${o.satisfiedBy.join(', ') || 'no shipped backend'}.`;
        lines.push(`  ${outcomeStyle(styles, o.outcome)(`${o.outcome}`)} ${o.capability} on ${r.backend}: ${o.detail}${by}`);
      }
    }
  }
  lines.push('');
  for (const r of results) {
    const refused = Object.entries(r.channels).filter(([, outcomes]) => outcomes.some((o) => o.outcome === 'refused')).map(([c]) => c);
    lines.push(r.ok ? styles.green(`ok: ${r.backend} gives every channel what it declared`) : styles.red(`refused on ${r.backend}: ${refused.join(', ')}`));
  }
  return `${lines.join('\n')}\n`;
}
