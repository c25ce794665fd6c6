import type { Logger } from './logger.js';

type Level = keyof Logger;
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];
type LogMethod = (...args: unknown[]) => void;
type AnyLogger = Partial<Record<Level | 'log' | 'trace', unknown>> & Record<string, unknown>;

/**
 * pino and bunyan take `(fields, message)`: called as `(message, fields)` they print the message
 * and silently drop the fields (pino treats them as format arguments), so they need adapting.
 */
function takesFieldsFirst(logger: AnyLogger): boolean {
  const pinoLike = typeof logger['bindings'] === 'function' && typeof logger['levels'] === 'object' && logger['levels'] !== null;
  const bunyanLike = typeof logger['addStream'] === 'function' && typeof logger['fields'] === 'object';
  return pinoLike || bunyanLike;
}

/**
 * Binds one level of `logger`, falling back to another level (`debug` → `trace`/`info`, a missing
 * `warn` → `error`) and finally to nothing, so a logger without some level never throws at a call.
 */
function method(logger: AnyLogger, level: Level): LogMethod | undefined {
  const fallbacks: Record<Level, string[]> = { debug: ['debug', 'trace', 'log'], info: ['info', 'log'], warn: ['warn', 'error', 'log'], error: ['error', 'log'] };
  for (const name of fallbacks[level]) {
    const found = logger[name];
    if (typeof found === 'function') return (found as LogMethod).bind(logger);
  }
  return undefined;
}

/** A Switchboard Logger over a `(fields, message)` logger: pino, bunyan and their look-alikes. */
export function fieldsFirstLogger(logger: object): Logger {
  const adapted = {} as Logger;
  for (const level of LEVELS) {
    const call = method(logger as AnyLogger, level);
    adapted[level] = call === undefined ? () => {} : (message, fields) => (fields === undefined ? call(message) : call(fields, message));
  }
  return adapted;
}

/** A Switchboard Logger over a `(message, fields)` logger: console, winston and their look-alikes. */
export function messageFirstLogger(logger: object): Logger {
  const adapted = {} as Logger;
  for (const level of LEVELS) {
    const call = method(logger as AnyLogger, level);
    adapted[level] = call === undefined ? () => {} : (message, fields) => (fields === undefined ? call(message) : call(message, fields));
  }
  return adapted;
}

/**
 * Accepts the common loggers as `connect({ logger })` takes them: pino and bunyan are detected and
 * called `(fields, message)`; console, winston and anything else `(message, fields)`. Missing
 * levels fall back to the nearest one instead of throwing.
 */
export function adaptLogger(logger: object): Logger {
  return takesFieldsFirst(logger as AnyLogger) ? fieldsFirstLogger(logger) : messageFirstLogger(logger);
}
