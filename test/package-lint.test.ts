import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

describe.each(['core', 'memory', 'testkit', 'rabbitmq', 'kafka', 'cli'])('@switchboard/%s package', (pkg) => {
  const dir = join(root, 'packages', pkg);

  it('is publint clean', () => {
    const out = execFileSync(bin('publint'), ['--strict'], { cwd: dir, encoding: 'utf8' });
    expect(out).not.toMatch(/error|warning/i);
  });

  it('resolves types in every module mode (arethetypeswrong)', () => {
    // --pack builds the tarball the registry would get; node10 lacks `exports` and is out of scope.
    execFileSync(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'ascii'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  }, 60_000);
});
