// Markdown table of result rows, plus the run's context and the scale benchmark's rows.

function num(value, unit) {
  if (value == null) return '—';
  if (unit === 'µs' && value >= 10_000) return `${(value / 1000).toFixed(1)} ms`;
  if (unit === 'µs') return `${Math.round(value)} µs`;
  return Math.round(value).toLocaleString('en-US');
}

function range(lo, hi, unit) {
  if (lo == null || hi == null) return '';
  return ` (${num(lo, unit)}–${num(hi, unit)})`;
}

function cpuText(us) {
  if (us == null) return '—';
  return us >= 100 ? String(Math.round(us)) : us.toFixed(1);
}

function verdict(row) {
  if (row.met === true) return '✅ met';
  if (row.met === false) return row.withinNoise ? '❌ missed (within A/A noise)' : '❌ missed';
  return row.target == null ? '' : 'n/a';
}

/** What else a scale row measured: fan-out's cost per extra delivery and RSS; a backlog's memory and drain. */
function scaleDetail(r) {
  if (r.error !== undefined) return `failed: ${r.error}`;
  if (r.dimension === 'backlog') {
    return `${Math.round(r.rssPerWaitingBytes)} B RSS per waiting message; drained with ${r.consumerHeldMiB.toFixed(1)} MiB held beyond the waiting messages, ≤ ${r.maxRunning} handlers at once`;
  }
  return `${r.perExtraDeliveryUs === undefined ? '' : `${r.perExtraDeliveryUs.toFixed(2)} µs per extra delivery, `}RSS ${r.rssMiB.toFixed(0)} MiB`;
}

/** The scale rows (`kind: 'scale'`) as a table, with the run each backend's rows came from. */
function scaleTable(scale) {
  const lines = ['', '### Cost as work grows', ''];
  const sources = new Map(scale.map((r) => [r.backend, r.source]));
  lines.push(
    'From `node bench/scale.mjs --url … --write` (`pnpm bench:scale`), one fresh process per point, 1 KiB `bytes`: ' +
      [...sources].map(([b, s]) => `${b} ${s.started.slice(0, 16).replace('T', ' ')}${s.commit ? ` at ${s.commit}` : ''}, load ${s.load.map((l) => l.toFixed(1)).join('→')}`).join('; ') +
      '. Growth: CPU per message (per delivery for groups) ÷ the first point\'s; 1.00 = flat.',
    '',
  );
  lines.push('| backend | point | msg/s (backlog: drain) | CPU µs/msg | growth | also | target | |', '|---|---|---:|---:|---:|---|---|---|');
  for (const r of scale) {
    const rate = r.error !== undefined ? '—' : Math.round(r.dimension === 'backlog' ? r.drainMsgPerSec : r.msgPerSec).toLocaleString('en-US');
    const cpu = r.error !== undefined ? '—' : (r.dimension === 'backlog' ? r.drainCpuUsPerMessage : r.cpuUsPerMessage).toFixed(2);
    const growth = r.growth === undefined ? '' : r.growth.toFixed(2);
    lines.push(`| ${r.backend} | ${r.label} | ${rate} | ${cpu} | ${growth} | ${scaleDetail(r).replace(/\|/g, '/')} | ${r.target ?? ''} | ${verdict(r)} |`);
  }
  return lines;
}

/** A Markdown document: context, then one table row per (backend, scenario), then the scale rows. */
export function markdown(rows, meta, scale = []) {
  const lines = [];
  lines.push(`# Switchboard benchmark — ${meta.mode} run`, '');
  lines.push(
    `${meta.date} · commit ${meta.commit} · ${meta.durationText} · ${meta.machine.cpus}× ${meta.machine.cpuModel} · ` +
      `Node ${meta.node} · kafkajs ${meta.versions.kafkajs} · amqplib ${meta.versions.amqplib} · load average ${meta.load.start} → ${meta.load.end}`,
    '',
  );
  lines.push(
    'Medians over A/B pairs run alternately (A B B A …) in fresh processes; ranges are min–max. ' +
      'Ratio: SDK ÷ raw for throughput, raw ÷ SDK for latency — higher is better, 1.00 = parity. ' +
      '"A/A" is two raw runs back to back (the noise floor). Client CPU is the benchmark process; broker CPU is the broker process over the same interval.',
    '',
  );
  lines.push('| backend | scenario | raw (A) | Switchboard (B) | ratio (per pair) | A/A | client CPU µs/msg A → B | broker CPU µs/msg A → B | target | |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---|---|');
  for (const row of rows) {
    const unit = row.unit === 'µs' ? '' : ` ${row.unit}`;
    const ratio = row.ratio == null ? '—' : `${row.ratio.toFixed(2)}${row.ratioMin != null ? ` (${row.ratioMin.toFixed(2)}–${row.ratioMax.toFixed(2)})` : ''}`;
    const cpu = row.cpuPerMsgUs.raw == null ? `${cpuText(row.cpuPerMsgUs.sdk)}` : `${cpuText(row.cpuPerMsgUs.raw)} → ${cpuText(row.cpuPerMsgUs.sdk)}`;
    const broker = row.brokerCpuPerMsgUs == null || row.brokerCpuPerMsgUs.raw == null ? '—' : `${cpuText(row.brokerCpuPerMsgUs.raw)} → ${cpuText(row.brokerCpuPerMsgUs.sdk)}`;
    const signed = (us) => `${us >= 0 ? '+' : ''}${Math.round(us)}`;
    const added = row.addedUs != null ? `; SDK ${signed(row.addedUs)} µs${row.addedUsMin != null ? ` (${signed(row.addedUsMin)}…${signed(row.addedUsMax)})` : ''}` : '';
    const noise = row.noise == null ? '—' : `${row.noise.toFixed(2)}${row.noiseUs != null ? ` (${signed(row.noiseUs)} µs)` : ''}`;
    const perMsg = row.perMessageUs != null ? ` (${row.perMessageUs} µs/msg)` : '';
    lines.push(
      `| ${row.backend} | ${row.label} | ${num(row.raw, row.unit)}${row.raw == null ? '' : unit}${range(row.rawMin, row.rawMax, row.unit)} | ` +
        `${num(row.sdk, row.unit)}${row.sdk == null ? '' : unit}${range(row.sdkMin, row.sdkMax, row.unit)}${perMsg} | ${ratio}${added} | ` +
        `${noise} | ${cpu} | ${broker} | ${row.target ?? ''} | ${verdict(row)} |`,
    );
  }
  if (scale.length > 0) lines.push(...scaleTable(scale));
  const others = meta.load.busiest ?? [];
  if (others.length > 0) {
    const of = meta.load.samples ? ` of ${meta.load.samples}` : '';
    lines.push('', `Other processes using the CPU during the run (brokers excluded; load average ${meta.load.loadAverage.min}–${meta.load.loadAverage.max}; sampled every 15 s):`, '');
    for (const o of others.slice(0, 8)) {
      const seen = o.seenInSamples ? `seen in ${o.seenInSamples}${of} samples, ` : '';
      lines.push(`- ${seen}peak ${o.peakCpuPercent}% CPU: \`${o.command.replace(/`/g, "'")}\``);
    }
  }
  if (meta.skipped.length > 0) {
    lines.push('', 'Not measured:', '');
    for (const s of meta.skipped) lines.push(`- ${s}`);
  }
  if (meta.parity.length > 0) {
    lines.push('', 'Wire parity (one message from each side, read back with the raw client):', '');
    for (const p of meta.parity) lines.push(`- ${p.backend}: ${p.ok ? 'same' : 'DIFFERENT'} — ${p.summary}`);
  }
  lines.push('');
  return lines.join('\n');
}
