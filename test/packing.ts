import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');

/**
 * Packs workspace packages as the registry would get them (`pnpm pack` rewrites `workspace:`
 * ranges) and returns the tarball of each, by short name ('core', 'cli', …).
 */
export function packPackages(names: readonly string[], destination: string): Record<string, string> {
  for (const name of names) {
    execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: join(root, 'packages', name), stdio: 'pipe', timeout: 60_000 });
  }
  const tarballs: Record<string, string> = {};
  for (const file of readdirSync(destination)) {
    const match = /^switchboard-([a-z]+)-\d.*\.tgz$/.exec(file);
    if (match !== null && names.includes(match[1] as string)) tarballs[match[1] as string] = join(destination, file);
  }
  return tarballs;
}

/**
 * A user's shell, not this test runner's: NODE_PATH would let resolution find the workspace's
 * packages, and VITEST/NODE_ENV are not what an application sees.
 */
export const userEnv: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !/^(NODE_PATH|NODE_ENV|TEST|VITEST.*|FORCE_COLOR|NO_COLOR)$/.test(entry[0])),
);
