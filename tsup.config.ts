import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defineConfig } from 'tsup';

/**
 * Declarations come from tsc, not tsup: tsup bundles them into one file and drops declaration
 * maps, and the maps are what lets go-to-definition open the shipped `src/` instead of a `.d.ts`.
 * One emit serves both module formats: `dist/types/esm` as emitted, and a copy in
 * `dist/types/cjs` whose package.json says `commonjs`, so TypeScript reads the same files as
 * CommonJS declarations for `require` (what arethetypeswrong checks).
 */
export function emitDeclarations(packageDir: string = process.cwd()): void {
  const dist = join(packageDir, 'dist');
  const config = join(dist, 'tsconfig.types.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { rootDir: '../src', outDir: './types/esm', declaration: true, declarationMap: true, emitDeclarationOnly: true, sourceMap: false, noEmit: false },
      include: ['../src'],
      exclude: ['../src/**/*.test.ts', '../src/**/*.test-d.ts'],
    }),
  );
  try {
    const tsc = createRequire(join(packageDir, 'package.json')).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', config], { cwd: packageDir, stdio: 'inherit' });
  } finally {
    rmSync(config, { force: true });
  }
  cpSync(join(dist, 'types', 'esm'), join(dist, 'types', 'cjs'), { recursive: true });
  writeFileSync(join(dist, 'types', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
}

// Shared by every package: `tsup --config ../../tsup.config.ts` runs in the package folder.
// dependencies and peerDependencies (core, vitest, zod, broker clients) stay external.
export default defineConfig({
  // A backend's `catalog` entry (its capability catalog) loads no broker client.
  entry: ['src/index.ts', ...(existsSync('src/catalog.ts') ? ['src/catalog.ts'] : [])],
  format: ['esm', 'cjs'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  onSuccess: async () => emitDeclarations(),
});
