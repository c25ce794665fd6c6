import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

describe.each(['core', 'memory', 'testkit', 'rabbitmq', 'kafka', 'cli'])('@switchboard/%s package', (pkg) => {
  const dir = join(root, 'packages', pkg);

  it('is publint clean', () => {
    const out = execFileSync(bin('publint'), ['--strict'], { cwd: dir, encoding: 'utf8' });
    expect(out).not.toMatch(/error|warning/i);
  });

  it('ships LICENSE, its sources and declaration maps that lead into them, with the metadata a registry shows', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' })) as [{ files: { path: string }[] }];
    const files = new Set(packed.files.map((f) => f.path));
    expect(files).toContain('LICENSE');
    for (const types of ['dist/types/esm/index.d.ts', 'dist/types/cjs/index.d.ts']) {
      expect(files).toContain(types);
      const map = JSON.parse(readFileSync(join(dir, `${types}.map`), 'utf8')) as { sources: string[] };
      for (const source of map.sources) expect(files).toContain(normalize(join(dirname(types), source)));
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ license: 'MIT', publishConfig: { access: 'public' }, repository: { directory: `packages/${pkg}` } });
    expect(manifest['homepage']).toEqual(expect.any(String));
    expect(manifest['bugs']).toEqual({ url: expect.any(String) });
    expect((manifest['keywords'] as string[]).length).toBeGreaterThan(2);
  });

  it('resolves types in every module mode (arethetypeswrong)', () => {
    // --pack builds the tarball the registry would get; node10 lacks `exports` and is out of scope.
    execFileSync(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'ascii'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  }, 60_000);
});
