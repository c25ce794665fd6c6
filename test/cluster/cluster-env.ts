import { describe } from 'vitest';

/**
 * `describe` for suites that need one of the test clusters (`pnpm brokers:up --cluster`): skipped
 * with the reason when it is not running, a failing test under CI=true (a missing broker fails CI).
 */
export function describeWithCluster(name: string, status: { up: boolean; reason: string | null }, body: () => void): void {
  if (status.up) {
    describe(name, body);
    return;
  }
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      throw new Error(`${name}: cluster not running under CI=true: ${status.reason} (run pnpm brokers:up --cluster)`);
    });
    return;
  }
  describe.skip(`${name} (skipped: ${status.reason}; run pnpm brokers:up --cluster)`, body);
}

/** Polls `check` until it returns true; a cluster-sized deadline, never a fixed sleep. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
