import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('./child-app.mjs', import.meta.url));

/** An application process started by a test, read through its JSON stdout lines. */
export interface ChildApp {
  readonly events: Record<string, unknown>[];
  /** Set once the process ended: its exit code (or the signal that ended it). */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly stderr: string;
  /** Resolves with the first event matching `predicate`; rejects if the process exits or `timeoutMs` passes first. */
  waitFor(predicate: (event: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process ended. */
  exited(timeoutMs: number): Promise<number | null>;
  /** SIGTERM (the application closes its bus and exits 0), or SIGKILL when already done. */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `child-app.mjs <mode>` as a plain `node` process with default settings: no test runner
 * around it keeps it alive or catches what escapes. The environment is the caller's, minus
 * vitest's, plus `env`.
 */
export function startChild(mode: 'subscriber' | 'publisher' | 'crashes' | 'graceful', env: Record<string, string>): ChildApp {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(VITEST|NODE_OPTIONS|NODE_PATH)/.test(name)) clean[name] = value;
  }
  const child: ChildProcess = spawn(process.execPath, [APP, mode], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  let exit: ChildApp['exit'];
  let buffered = '';
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        stderr += `(stdout) ${line}\n`;
      }
    }
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    notify();
  });
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`child ${mode}: ${what} not seen within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
      }, timeoutMs);
      const listener = (): void => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          clearTimeout(timer);
          listeners.delete(listener);
          reject(error);
          return;
        }
        if (value === undefined) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(value);
      };
      listeners.add(listener);
      listener();
    });
  return {
    events,
    get exit() {
      return exit;
    },
    get stderr() {
      return stderr;
    },
    waitFor: (predicate, timeoutMs, what) =>
      until(() => {
        const found = events.find(predicate);
        if (found !== undefined) return found;
        if (exit !== undefined) throw new Error(`child ${mode} exited (code ${exit.code}, signal ${exit.signal}) before ${what}; stderr: ${stderr.slice(-2000)}`);
        return undefined;
      }, timeoutMs, what),
    exited: (timeoutMs) => until(() => (exit === undefined ? undefined : exit.code), timeoutMs, 'exit'),
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
}
