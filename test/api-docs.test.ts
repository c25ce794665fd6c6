import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('API reference (TypeDoc, from the TSDoc in the sources)', () => {
  it('documents every public member of every package', () => {
    // --emit none: validation only (typedoc.json treats its warnings as errors); `pnpm docs:api` writes the HTML.
    const run = spawnSync(join(root, 'node_modules', '.bin', 'typedoc'), ['--emit', 'none'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const output = `${run.stdout}${run.stderr}`;
    expect(output.split('\n').filter((line) => line.includes('does not have any documentation'))).toEqual([]);
    expect(run.status, output).toBe(0);
  }, 180_000);
});
