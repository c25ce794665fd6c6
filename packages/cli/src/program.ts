import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { redactUrl, SwitchboardError } from '@switchboard/core';
import { buildAsyncApi } from './asyncapi/document.js';
import { DEFAULT_BACKEND_URLS, inspectBackend } from './backend-report.js';
import { checkChannels } from './check.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { loadDeclarations } from './load-declarations.js';
import { renderCheck, renderMatrix } from './render.js';
import { progress, stylesFor, type CommandIo } from './terminal.js';

const BACKENDS = Object.keys(DEFAULT_BACKEND_URLS);

/** Thrown by an action to end the command with a code after it wrote its output. */
class Exit extends Error {
  constructor(readonly code: ExitCode) {
    super(`exit ${code}`);
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function splitList(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function buildProgram(io: CommandIo): Command {
  const out = stylesFor(io.stdout, io.env);
  const program = new Command('switchboard')
    .description('Capability matrix, declaration checks and AsyncAPI documents for Switchboard applications. Nothing here connects to a broker.')
    .version(VERSION, '-V, --version', 'print the version of @switchboard/cli')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  program.addHelpText(
    'after',
    `\nExit codes: ${EXIT_CODES.ok} ok, ${EXIT_CODES.refused} a channel is refused (check), ${EXIT_CODES.usage} bad command line, ` +
      `${EXIT_CODES.invalid} module or declarations invalid / backend package missing, ${EXIT_CODES.internal} internal error.`,
  );

  program
    .command('matrix')
    .description("print every capability of each backend as the backend's own report gives it: support, how, limits")
    .addOption(new Option('-b, --backend <name...>', `backends to show (repeat or comma-separate): ${BACKENDS.join(', ')}`).default(BACKENDS))
    .option('--json', 'print the reports as JSON')
    .exitOverride()
    .action(async (options: { backend: string[]; json?: boolean }) => {
      const names = splitList(options.backend);
      const unknown = names.filter((n) => !BACKENDS.includes(n));
      if (unknown.length > 0) throw new CommanderError(EXIT_CODES.usage, 'switchboard.backend', `error: unknown backend ${unknown.join(', ')}; choose from ${BACKENDS.join(', ')}`);
      const status = progress(io);
      const reports = [];
      for (const name of names) {
        status.step(`loading @switchboard/${name}`);
        reports.push(await inspectBackend(DEFAULT_BACKEND_URLS[name] as string, {}, [io.cwd]));
      }
      status.done();
      if (options.json) io.stdout.write(json({ backends: Object.fromEntries(reports.map((r) => [r.name, r.capabilities])) }));
      else io.stdout.write(renderMatrix(reports, out));
    });

  program
    .command('check')
    .description('show what each declared channel gets on a backend — native, emulated (with limits), degraded or refused — without connecting')
    .argument('<module>', 'JavaScript module exporting `channels` or `config` (the connect() options)')
    .option('-u, --url <url>', "backend URL (default: the exported config's url)")
    .option('-c, --compare <url...>', 'also check against these URLs, side by side (e.g. what breaks moving from RabbitMQ to Kafka)')
    .option('--json', 'print the results as JSON')
    .addHelpText('after', `\nExits ${EXIT_CODES.refused} when any channel is refused on any of the URLs.\nExample: switchboard check dist/bus.js --url amqp://localhost --compare kafka://localhost:9092`)
    .exitOverride()
    .action(async (module: string, options: { url?: string; compare?: string[]; json?: boolean }) => {
      const status = progress(io);
      status.step(`importing ${module}`);
      const declarations = await loadDeclarations(module, io.cwd);
      const first = options.url ?? declarations.url;
      if (first === undefined) throw new CommanderError(EXIT_CODES.usage, 'switchboard.url', `error: ${module} exports no config url; pass --url`);
      const results = [];
      for (const url of [first, ...splitList(options.compare ?? [])]) {
        status.step(`reading the ${redactUrl(url)} report`);
        const inspected = await inspectBackend(url, url === declarations.url ? declarations.options : {}, [declarations.modulePath]);
        results.push(checkChannels(inspected, declarations.channels));
      }
      status.done();
      const ok = results.every((r) => r.ok);
      if (options.json) io.stdout.write(json({ module: declarations.modulePath, ok, results }));
      else io.stdout.write(renderCheck(results, out));
      if (!ok) throw new Exit(EXIT_CODES.refused);
    });

  program
    .command('asyncapi')
    .description('print an AsyncAPI 3.0 document (JSON) of the declared channels, with protocol bindings when --url names the backend')
    .argument('<module>', 'JavaScript module exporting `channels` or `config` (the connect() options)')
    .option('-u, --url <url>', "backend URL: adds servers, Kafka or AMQP bindings and what each capability becomes (default: the exported config's url)")
    .option('-o, --output <file>', 'write the document to a file instead of stdout')
    .option('--title <title>', 'info.title (default: the nearest package.json name)')
    .option('--app-version <version>', 'info.version (default: the nearest package.json version)')
    .exitOverride()
    .action(async (module: string, options: { url?: string; output?: string; title?: string; appVersion?: string }) => {
      const status = progress(io);
      status.step(`importing ${module}`);
      const declarations = await loadDeclarations(module, io.cwd);
      const url = options.url ?? declarations.url;
      let backend;
      if (url !== undefined) {
        status.step(`reading the ${redactUrl(url)} report`);
        const backendOptions = url === declarations.url ? declarations.options : {};
        const inspected = await inspectBackend(url, backendOptions, [declarations.modulePath]);
        backend = { name: inspected.name, url, options: backendOptions, check: checkChannels(inspected, declarations.channels) };
      }
      status.done();
      const description = declarations.packageInfo?.description;
      const document = buildAsyncApi({
        channels: declarations.channels,
        title: options.title ?? declarations.packageInfo?.name ?? declarations.source ?? 'Switchboard application',
        version: options.appVersion ?? declarations.packageInfo?.version ?? '0.0.0',
        ...(description !== undefined && { description }),
        ...(backend !== undefined && { backend }),
      });
      if (options.output === undefined) io.stdout.write(json(document));
      else writeFileSync(resolve(io.cwd, options.output), json(document));
    });
  return program;
}

// src/ and dist/ both sit one level below the package.json.
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * Runs the `switchboard` command line (`argv` without node and the script) and resolves with the
 * exit code; never calls `process.exit`, so it can run inside tests and other tools.
 */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<ExitCode> {
  const program = buildProgram(io);
  const err = stylesFor(io.stderr, io.env);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof Exit) return error.code;
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_CODES.ok;
      // Commander printed its own message unless the error came from an action.
      if (error.code.startsWith('switchboard.')) io.stderr.write(`${err.red(error.message)}\n(run with --help for usage)\n`);
      return EXIT_CODES.usage;
    }
    if (SwitchboardError.is(error)) {
      io.stderr.write(`${err.red(`${error.name} (${error.code})`)}: ${error.message}\n`);
      return EXIT_CODES.invalid;
    }
    io.stderr.write(`${err.red('internal error')}: ${(error as Error)?.stack ?? String(error)}\n`);
    return EXIT_CODES.internal;
  }
}
