/** Structured logger port. Switchboard never writes to the console itself. */
export interface Logger {
  /** Detail for diagnosing (per connection, per consumer); `fields` never hold payloads or credentials. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** Lifecycle events: connected, reconnected, closed. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something degraded that recovers or needs a look (a retry, an idle consumer). */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** An operation failed. */
  error(message: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};

/** The default logger: discards everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
