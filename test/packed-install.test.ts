import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// An application installed from the packed packages (not workspace links) can resolve the memory
// backend from the URL alone, with npm's hoisted layout and with pnpm's strict one (no hoisting at
// all, started from another directory: core finds the backend from the application's entry script).
const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'switchboard-pack-'));
const tarballs: Record<string, string> = {};
// A user's shell, not this test runner's: NODE_PATH would let require.resolve find the workspace's
// other backends, and VITEST/NODE_ENV are not what an application sees.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(NODE_PATH|NODE_ENV|TEST|VITEST.*)$/.test(name)));

beforeAll(() => {
  for (const pkg of ['core', 'memory', 'testkit']) {
    execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: join(root, 'packages', pkg), stdio: 'pipe', timeout: 60_000 });
  }
  for (const file of readdirSync(work)) {
    const match = /^switchboard-(core|memory|testkit)-.*\.tgz$/.exec(file);
    if (match) tarballs[match[1] as string] = join(work, file);
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function makeApp(name: string): string {
  const dir = join(work, name);
  cpSync(join(root, 'test', 'packed-app'), dir, { recursive: true });
  const packed = Object.fromEntries(Object.entries(tarballs).map(([pkg, file]) => [`@switchboard/${pkg}`, `file:${file}`]));
  writeFileSync(
    join(dir, 'package.json'),
    // The overrides stand in for the registry: testkit's own dependency on memory gets the tarball too.
    JSON.stringify({ name: `packed-${name}`, private: true, type: 'module', dependencies: { ...packed, zod: '^4.1.0' }, overrides: packed, pnpm: { overrides: packed } }),
  );
  return dir;
}

function checkResults(output: string): void {
  const results = JSON.parse(output.trim().split('\n').at(-1) as string) as Record<string, unknown>;
  expect(results).toMatchObject({
    backend: 'memory',
    priorityOrder: ['high', 'low'],
    deadLetter: 'bad job',
    reply: { echo: 'ping' },
    replay: ['first'],
    delayed: true,
    afterClose: 'SB_CLOSED',
    // testkit's application helpers, in an application without vitest (an optional peer)
    vitestInstalled: false,
    commonJsTestkit: 'function',
    testkit: { recorded: ['invoice-1'], waited: true, profileRefusal: 'SB_CAPABILITY' },
  });
  expect(results['unknownScheme']).toMatch(/^SB_CONFIG: Unknown URL scheme "nats:"/);
  expect(results['misspelt']).toMatch(/^SB_CONFIG: .*unknown capability priorty\. Did you mean priority\?/);
  expect(results['missingBackend']).toMatch(/^SB_CONFIG: .*npm install @switchboard\/kafka/);
  expect(results['undeclared']).toMatch(/^SB_CAPABILITY: priority used on channel rpc but not declared/);
}

describe('packed packages in a fresh application', () => {
  it('work when installed with npm', () => {
    const dir = makeApp('npm');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'pipe', timeout: 120_000, env });
    checkResults(execFileSync('node', ['app.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env }));
  });

  it('work when installed with pnpm (strict layout)', () => {
    const dir = makeApp('pnpm');
    execFileSync('pnpm', ['install', '--ignore-workspace', '--reporter=silent', '--config.hoist=false'], { cwd: dir, stdio: 'pipe', timeout: 120_000, env });
    checkResults(execFileSync('node', [join(dir, 'app.mjs')], { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000, env }));
  });
});
