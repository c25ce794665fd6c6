/**
 * Exit codes of the `switchboard` command, stable so CI jobs can branch on them.
 * Anything else (a crash) exits with Node's own code 1 only if it escapes, which the command
 * prevents: unexpected errors become {@link EXIT_CODES.internal}.
 */
export const EXIT_CODES = {
  /** Everything asked for was produced; every checked channel gets what it declared. */
  ok: 0,
  /** `check`: at least one channel is refused on at least one checked backend. */
  refused: 1,
  /** Bad command line: unknown command or option, missing argument. */
  usage: 2,
  /** The module or its declarations could not be loaded or are invalid, or a backend package is missing. */
  invalid: 3,
  /** A bug: an unexpected error inside the command. */
  internal: 4,
} as const;

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
