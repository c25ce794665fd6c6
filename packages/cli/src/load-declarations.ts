import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, validateChannels, type ChannelSpec } from '@switchboard/core';

/** Fields of an application's package.json that document titles use. */
export interface PackageInfo {
  /** Package name. */
  name?: string;
  /** Package version. */
  version?: string;
  /** Package description. */
  description?: string;
}

/** An application's declarations, read from its module without connecting anything. */
export interface Declarations {
  /** Absolute path of the module they came from. */
  modulePath: string;
  /** Which export held them: `config`, `channels`, or `default`. */
  exportName: string;
  /** The channel declarations as the application wrote them (schemas included). */
  channels: Record<string, ChannelSpec>;
  /** `url` from an exported `connect()` config, when it has one. */
  url?: string;
  /** Backend options from an exported `connect()` config (they can change a backend's report). */
  options: Record<string, unknown>;
  /** CloudEvents `source` from an exported config. */
  source?: string;
  /** `name` and `version` of the package.json nearest the module, for document titles. */
  packageInfo?: PackageInfo;
}

const CONNECT_KEYS = new Set(['url', 'backend', 'channels', 'options', 'logger', 'source', 'closeTimeoutMs', 'requestTimeoutMs']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A `connect()` options object: has `channels` and only keys `connect()` knows. */
function isConnectConfig(value: unknown): value is { channels: Record<string, unknown>; url?: unknown; options?: unknown; source?: unknown } {
  return isRecord(value) && isRecord(value['channels']) && Object.keys(value).every((key) => CONNECT_KEYS.has(key));
}

function nearestPackage(file: string): PackageInfo | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as Record<string, unknown>;
        const pick = (key: string) => (typeof pkg[key] === 'string' ? { [key]: pkg[key] as string } : {});
        return { ...pick('name'), ...pick('version'), ...pick('description') };
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Imports `modulePath` and finds the application's declarations in it, by this convention:
 *
 * 1. an export named `config`: the options object passed to `connect()` (its `channels`, and its
 *    `url` and `options` when present);
 * 2. else an export named `channels`: the channel declarations `connect({ channels })` takes;
 * 3. else the default export, holding either of the two.
 *
 * Importing must not connect: keep `connect()` inside a function (as `examples/order-desk` does).
 * Every declaration is validated like `connect()` does (misspelt capabilities, bad names); a
 * failure is a ConfigError naming the module and the field.
 */
export async function loadDeclarations(modulePath: string, cwd = process.cwd()): Promise<Declarations> {
  const absolute = resolve(cwd, modulePath);
  if (!existsSync(absolute)) throw new ConfigError(`Module ${absolute} does not exist`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const hint = ['.ts', '.mts', '.cts'].includes(extname(absolute))
      ? ' Point the command at the compiled JavaScript, or run it under a TypeScript loader (node --import tsx).'
      : '';
    throw new ConfigError(`Could not import ${absolute}: ${(error as Error).message}.${hint}`, { cause: error });
  }
  const found = (['config', 'channels', 'default'] as const)
    .map((name) => ({ name, value: mod[name] }))
    .find(({ name, value }) => (name === 'config' ? isConnectConfig(value) : name === 'channels' ? isRecord(value) : isConnectConfig(value) || isRecord(value)));
  if (found === undefined) {
    throw new ConfigError(
      `${absolute} exports no declarations: export \`channels\` (what connect({ channels }) takes) or \`config\` (the whole connect() options); ` +
        `its exports are ${Object.keys(mod).join(', ') || 'none'}`,
    );
  }
  const config = isConnectConfig(found.value) ? found.value : { channels: found.value as Record<string, unknown> };
  // The declarations as written (not the parsed copies): they hold the application's zod schemas.
  const channels: Record<string, ChannelSpec> = validateChannels(config.channels, absolute);
  const packageInfo = nearestPackage(absolute);
  return {
    modulePath: absolute,
    exportName: found.name,
    channels,
    options: isRecord(config.options) ? config.options : {},
    ...(typeof config.url === 'string' && { url: config.url }),
    ...(typeof config.source === 'string' && { source: config.source }),
    ...(packageInfo !== undefined && { packageInfo }),
  };
}
