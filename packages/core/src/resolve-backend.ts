import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, redactUrl } from './errors.js';
import type { Backend, BackendFactory, CapabilityCatalog } from './spi.js';

/**
 * URL scheme → the package that serves it (`@switchboard/<name>`). Core names the shipped
 * backends here but does not depend on them: the package is looked up at run time where the
 * application installed it, and its factory must declare the scheme in `schemes`.
 */
export const SCHEME_BACKENDS: Record<string, string> = {
  memory: 'memory',
  amqp: 'rabbitmq',
  amqps: 'rabbitmq',
  kafka: 'kafka',
};

/** Where {@link resolveBackendFactory} looks for a backend package besides its default places. */
export interface ResolveBackendOptions {
  /**
   * Files or directories to resolve the package from first, e.g. the module whose declarations
   * a tool reads. Default places follow: next to core, the entry script, the working directory.
   */
  from?: readonly string[];
}

/** The URL's scheme, lower-cased and without the colon. Throws ConfigError when it has none. */
export function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (match === null) {
    throw new ConfigError(`url "${redactUrl(url)}" has no scheme; use ${Object.keys(SCHEME_BACKENDS).map((s) => `${s}://`).join(', ')}`);
  }
  return (match[1] as string).toLowerCase();
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: string } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(specifier);
}

/** The ESM entry a package's `exports` (or `module` / `main`) names for `import` of `subpath`. */
function importEntry(pkg: Record<string, unknown>, subpath: string): string | undefined {
  let target: unknown = pkg['exports'];
  if (typeof target === 'object' && target !== null && subpath in target) target = (target as Record<string, unknown>)[subpath];
  else if (subpath !== '.') return undefined;
  for (let depth = 0; typeof target === 'object' && target !== null && depth < 4; depth++) {
    const conditions = target as Record<string, unknown>;
    target = conditions['import'] ?? conditions['node'] ?? conditions['default'];
  }
  if (typeof target === 'string') return target;
  return (pkg['module'] as string | undefined) ?? (pkg['main'] as string | undefined);
}

/**
 * Finds `specifier` as seen from `location` and returns the URL of its ESM entry. Resolving the
 * package.json (not the package) keeps `require` conditions out of it: an ESM application must get
 * the backend's ESM build, which shares the application's copy of core.
 */
function locate(specifier: string, location: string, subpath: string): string | undefined {
  let base = location;
  try {
    if (statSync(location).isDirectory()) base = join(location, 'package.json');
  } catch {
    return undefined;
  }
  try {
    const manifest = createRequire(base).resolve(`${specifier}/package.json`);
    const entry = importEntry(JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>, subpath);
    return entry === undefined ? undefined : pathToFileURL(join(dirname(manifest), entry)).href;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) return undefined;
    throw error;
  }
}

/**
 * Imports a backend package by name. Places, in order: the caller's `from`; next to core (npm's
 * hoisted layout puts the backends beside it); the entry script's folder and the working
 * directory (pnpm's strict layout, where only the application sees its dependencies).
 */
async function importBackendPackage(specifier: string, from: readonly string[], subpath = '.'): Promise<Record<string, unknown> | undefined> {
  for (const location of from) {
    const href = locate(specifier, location, subpath);
    if (href !== undefined) return (await import(href)) as Record<string, unknown>;
  }
  try {
    return (await import(subpath === '.' ? specifier : `${specifier}${subpath.slice(1)}`)) as Record<string, unknown>;
  } catch (error) {
    if (!isModuleNotFound(error, specifier)) throw error;
  }
  const entry = process.argv[1];
  for (const location of [...(entry === undefined ? [] : [dirname(entry)]), process.cwd()]) {
    const href = locate(specifier, location, subpath);
    if (href !== undefined) return (await import(href)) as Record<string, unknown>;
  }
  return undefined;
}

/**
 * The backend factory for `url`'s scheme, imported from the package that serves it. Throws
 * ConfigError for an unknown scheme, a package that is not installed (with the install command),
 * or a package whose factory does not declare the scheme.
 */
export async function resolveBackendFactory(url: string, options: ResolveBackendOptions = {}): Promise<BackendFactory> {
  const scheme = schemeOf(url);
  const name = SCHEME_BACKENDS[scheme];
  if (name === undefined) {
    throw new ConfigError(
      `Unknown URL scheme "${scheme}:" in url "${redactUrl(url)}"; supported: ${Object.keys(SCHEME_BACKENDS).map((s) => `${s}://`).join(', ')} ` +
        '(or pass connect({ backend }) for another backend)',
    );
  }
  const specifier = `@switchboard/${name}`;
  const mod = await importBackendPackage(specifier, options.from ?? []);
  if (mod === undefined) {
    throw new ConfigError(`URL scheme "${scheme}:" needs the ${specifier} package: install it with \`npm install ${specifier}\` (or \`pnpm add ${specifier}\`)`);
  }
  const factory = mod['backendFactory'] as BackendFactory | undefined;
  if (factory === undefined || typeof factory.create !== 'function') {
    throw new ConfigError(`${specifier} does not export a backendFactory; are @switchboard/core and ${specifier} the same version?`);
  }
  if (!Array.isArray(factory.schemes) || !factory.schemes.includes(scheme)) {
    throw new ConfigError(`${specifier} serves ${(factory.schemes ?? []).map((s) => `${s}://`).join(', ') || 'no URL scheme'}, not ${scheme}://; are @switchboard/core and ${specifier} the same version?`);
  }
  return factory;
}

let shippedCatalogs: Promise<readonly CapabilityCatalog[]> | undefined;

function isCatalog(value: unknown): value is CapabilityCatalog {
  const catalog = value as Partial<CapabilityCatalog> | undefined;
  return typeof catalog?.name === 'string' && typeof catalog.capabilities === 'object' && catalog.capabilities !== null;
}

async function loadCatalogs(from: readonly string[]): Promise<readonly CapabilityCatalog[]> {
  const found = await Promise.all(
    [...new Set(Object.values(SCHEME_BACKENDS))].map(async (name) => {
      try {
        const catalog = (await importBackendPackage(`@switchboard/${name}`, from, './catalog'))?.['capabilityCatalog'];
        return isCatalog(catalog) ? [catalog] : [];
      } catch {
        return [];
      }
    }),
  );
  return found.flat();
}

/**
 * The capability catalogs of the shipped backends that are installed (each package's light
 * `/catalog` entry, which loads no broker client); loaded once per process unless `from` names
 * other places to look first. They answer "which backend would accept this channel" in a
 * CapabilityError; a package that is missing or fails to load is left out, never an error.
 */
export function installedCatalogs(options: ResolveBackendOptions = {}): Promise<readonly CapabilityCatalog[]> {
  if (options.from !== undefined && options.from.length > 0) return loadCatalogs(options.from);
  shippedCatalogs ??= loadCatalogs([]);
  return shippedCatalogs;
}

/** Tells a factory (has `create`) from a ready backend instance. */
export function isBackendFactory(value: BackendFactory | Backend): value is BackendFactory {
  return typeof (value as BackendFactory).create === 'function';
}
