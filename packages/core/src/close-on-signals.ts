import { parseConfig } from './config.js';
import { z } from 'zod';
import type { Logger } from './logger.js';

/** Options of {@link closeOnSignals}. */
export interface CloseOnSignalsOptions {
  /** Upper bound for `bus.close()` after a signal; then the process exits anyway. Default 15 000 ms. */
  timeoutMs?: number;
  /** Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
  /**
   * Exit the process once the bus closed (code 0) or the bound passed (code 1). Default true:
   * listening for a signal takes over Node's default of exiting on it. `false` only closes the bus.
   */
  exit?: boolean;
  /** Runs first, within the same bound: stop accepting HTTP requests, flush an exporter, … */
  beforeClose?: () => unknown;
  /** Where the shutdown is logged; default none. */
  logger?: Logger;
}

const CloseOnSignalsSchema = z.strictObject({
  timeoutMs: z.number().int().min(0).max(2_147_483_647).default(15_000),
  signals: z.array(z.string().regex(/^SIG[A-Z0-9]+$/, 'a signal name such as SIGTERM')).min(1).default(['SIGTERM', 'SIGINT']),
  exit: z.boolean().default(true),
  beforeClose: z.custom<() => unknown>((value) => typeof value === 'function', 'expected a function').optional(),
  logger: z.custom<Logger>((value) => typeof value === 'object' && value !== null && typeof (value as Logger).info === 'function', 'expected a logger').optional(),
});

/**
 * Closes `bus` when the process receives SIGTERM or SIGINT: stops every subscription, lets running
 * handlers finish and be acked (what has not finished is redelivered later, never lost), waits for
 * issued publishes, disconnects — all within `timeoutMs`, then exits. A second signal exits at once.
 * Returns a function that removes the signal listeners again.
 *
 * ```ts
 * closeOnSignals(bus, { timeoutMs: 20_000 });   // below the orchestrator's grace period
 * ```
 */
export function closeOnSignals(bus: { close(): Promise<void> }, options: CloseOnSignalsOptions = {}): () => void {
  const { timeoutMs, signals, exit, beforeClose, logger } = parseConfig(CloseOnSignalsSchema, options, 'closeOnSignals() options');
  let shutting = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shutting) {
      logger?.warn(`switchboard: ${signal} again during shutdown; exiting now`);
      if (exit) process.exit(1);
      return;
    }
    shutting = true;
    logger?.info(`switchboard: ${signal} received; closing the bus`, { timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const closed = (async () => {
      await beforeClose?.();
      await bus.close();
      return true;
    })();
    Promise.race([closed, bound]).then(
      (clean) => {
        clearTimeout(timer);
        if (!clean) logger?.warn(`switchboard: the bus did not close within ${timeoutMs} ms; exiting anyway (unfinished messages are redelivered)`);
        else logger?.info('switchboard: bus closed');
        if (exit) process.exit(clean ? 0 : 1);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger?.error('switchboard: closing the bus failed', { error: error instanceof Error ? error.message : String(error) });
        if (exit) process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal as NodeJS.Signals, onSignal);
  return () => {
    for (const signal of signals) process.off(signal as NodeJS.Signals, onSignal);
  };
}
