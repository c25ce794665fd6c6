import { SwitchboardError } from '../errors.js';

/**
 * `error.type` for a failed operation: the stable `SB_*` code of a Switchboard error, otherwise
 * the error's class name, so the value stays low-cardinality (never the message text).
 */
export function errorType(error: unknown): string {
  if (SwitchboardError.is(error)) return error.code;
  if (error instanceof Error) return error.name || '_OTHER';
  return '_OTHER';
}
