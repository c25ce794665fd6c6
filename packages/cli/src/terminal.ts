/** A writable stream, and what the terminal behind it can show (as `process.stdout` tells). */
export interface OutputStream {
  /** Writes text. */
  write(text: string): unknown;
  /** True on a terminal. */
  isTTY?: boolean;
  /** Whether the terminal shows colours. */
  hasColors?: () => boolean;
}

/** Where the command writes, and what the terminal behind it can show. */
export interface CommandIo {
  /** Results: the text report, JSON or the AsyncAPI document. */
  stdout: OutputStream;
  /** Diagnostics and progress. */
  stderr: OutputStream;
  /** Environment for `NO_COLOR` / `FORCE_COLOR`. */
  env: Record<string, string | undefined>;
  /** Directory relative module paths start from. */
  cwd: string;
}

type Stream = OutputStream;

/**
 * Colour only where a person reads it: a TTY that has colours, unless `NO_COLOR` is set;
 * `FORCE_COLOR` (not `0`) turns it on anywhere. Piped output stays plain and stable.
 */
export function colourEnabled(stream: Stream, env: CommandIo['env']): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && (stream.hasColors?.() ?? true);
}

/** ANSI styles that fall back to plain text when colour is off. */
export interface Styles {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
}

const codes: Record<keyof Styles, [number, number]> = { bold: [1, 22], dim: [2, 22], green: [32, 39], yellow: [33, 39], red: [31, 39], cyan: [36, 39] };

/** Styles for `stream`: ANSI codes when {@link colourEnabled}, identity otherwise. */
export function stylesFor(stream: Stream, env: CommandIo['env']): Styles {
  const on = colourEnabled(stream, env);
  const style = (name: keyof Styles) => (text: string) => (on ? `\u001b[${codes[name][0]}m${text}\u001b[${codes[name][1]}m` : text);
  return { bold: style('bold'), dim: style('dim'), green: style('green'), yellow: style('yellow'), red: style('red'), cyan: style('cyan') };
}

/**
 * A one-line status on stderr while something slow runs (importing a module or a broker client),
 * shown only on a TTY and erased afterwards, so logs and pipes never see it.
 */
export function progress(io: CommandIo): { step(text: string): void; done(): void } {
  const shown = io.stderr.isTTY === true;
  return {
    step(text) {
      if (shown) io.stderr.write(`\r\u001b[2K${text}…`);
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[2K');
    },
  };
}
