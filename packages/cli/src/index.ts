/**
 * `@switchboard/cli`: the `switchboard` command, and the functions behind it for tools that want
 * the same results without a shell.
 */
export { runCli } from './program.js';
export { EXIT_CODES } from './exit-codes.js';
export type { ExitCode } from './exit-codes.js';
export type { CommandIo, OutputStream } from './terminal.js';
export { loadDeclarations } from './load-declarations.js';
export type { Declarations, PackageInfo } from './load-declarations.js';
export { inspectBackend, DEFAULT_BACKEND_URLS } from './backend-report.js';
export type { InspectedBackend } from './backend-report.js';
export { checkChannels } from './check.js';
export type { CapabilityOutcome, CheckResult, Outcome } from './check.js';
export { buildAsyncApi, ASYNCAPI_VERSION } from './asyncapi/document.js';
export type { AsyncApiInput, Json } from './asyncapi/document.js';
