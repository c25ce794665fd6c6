// Live progress: one line rewritten in place on a TTY, plain lines (at most every 10 s per run)
// when the output is a file or a CI log.

export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  constructor(total, stream = process.stderr) {
    this.total = total;
    this.stream = stream;
    this.tty = Boolean(stream.isTTY) && process.env.CI !== 'true';
    this.started = Date.now();
    this.done = 0;
    this.lastPlain = 0;
    this.durations = [];
  }

  /** A run starts: `label` names it, e.g. "kafka publish B (pair 2)". */
  begin(label) {
    this.label = label;
    this.runStarted = Date.now();
    this.detail = '';
    this.render(true);
  }

  /** Progress reported by the child process. */
  update({ phase, done, total }) {
    this.detail = total ? `${phase} ${Math.min(100, Math.round((done / total) * 100))}%` : phase;
    this.render(false);
  }

  end(outcome) {
    this.done++;
    this.durations.push(Date.now() - this.runStarted);
    if (!this.tty) this.stream.write(`${this.prefix()} ${this.label}: ${outcome}\n`);
    else this.render(true);
  }

  /** Prints a line that stays (warnings, section headers) without breaking the live line. */
  log(text) {
    if (this.tty) this.stream.write(`\r\x1b[K${text}\n`);
    else this.stream.write(`${text}\n`);
    if (this.tty) this.render(true);
  }

  finish() {
    if (this.tty) this.stream.write('\r\x1b[K');
  }

  prefix() {
    const elapsed = Date.now() - this.started;
    const average = this.durations.length === 0 ? null : this.durations.reduce((a, b) => a + b, 0) / this.durations.length;
    const eta = average === null ? '?' : formatDuration(average * (this.total - this.done));
    return `[${String(this.done).padStart(String(this.total).length)}/${this.total} ${formatDuration(elapsed)} eta ${eta}]`;
  }

  render(force) {
    if (this.tty) {
      const line = `${this.prefix()} ${this.label ?? ''} ${this.detail ?? ''}`;
      this.stream.write(`\r\x1b[K${line.slice(0, (this.stream.columns ?? 120) - 1)}`);
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastPlain < 10_000) return;
    this.lastPlain = now;
    if (!force) this.stream.write(`${this.prefix()} ${this.label} ${this.detail}\n`);
  }
}
