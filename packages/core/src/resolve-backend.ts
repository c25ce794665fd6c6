import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, redactUrl } from './errors.js';
import type { Backend, BackendFactory } from './spi.js';

/** URL scheme → backend package name (`@switchboard/<name>`). */
export const SCHEME_BACKENDS: Record<string, string> = {
  memory: 'memory',
  amqp: 'rabbitmq',
  amqps: 'rabbitmq',
  kafka: 'kafka',
};

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

/**
 * Imports a backend package by name. It is found next to core (npm hoisting, or pnpm linking the
 * optional peer) or else from the application's own folder (pnpm's strict layout when the
 * application depends on the backend but core cannot see it).
 */
async function importBackendPackage(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    if (!isModuleNotFound(error, specifier)) throw error;
  }
  try {
    const resolved = createRequire(join(process.cwd(), 'package.json')).resolve(specifier);
    return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
  } catch (error) {
    if (!isModuleNotFound(error, specifier)) throw error;
    return undefined;
  }
}

export async function resolveBackendFactory(url: string): Promise<BackendFactory> {
  const scheme = schemeOf(url);
  const name = SCHEME_BACKENDS[scheme];
  if (name === undefined) {
    throw new ConfigError(
      `Unknown URL scheme "${scheme}:" in url "${redactUrl(url)}"; supported: ${Object.keys(SCHEME_BACKENDS).map((s) => `${s}://`).join(', ')} ` +
        '(or pass connect({ backend }) for another backend)',
    );
  }
  const specifier = `@switchboard/${name}`;
  const mod = await importBackendPackage(specifier);
  if (mod === undefined) {
    throw new ConfigError(`URL scheme "${scheme}:" needs the ${specifier} package: install it with \`npm install ${specifier}\` (or \`pnpm add ${specifier}\`)`);
  }
  const factory = mod['backendFactory'] as BackendFactory | undefined;
  if (factory === undefined || typeof factory.create !== 'function') {
    throw new ConfigError(`${specifier} does not export a backendFactory; are @switchboard/core and ${specifier} the same version?`);
  }
  return factory;
}

export function isBackendFactory(value: BackendFactory | Backend): value is BackendFactory {
  return typeof (value as BackendFactory).create === 'function';
}
