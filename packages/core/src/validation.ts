import { SchemaError } from './errors.js';

/** The part of a zod schema Switchboard uses. */
export interface SafeParser {
  safeParse(value: unknown): { success: true; data: unknown } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** Returns the parsed payload or throws a SchemaError that says where and what. */
export function validatePayload(schema: SafeParser, value: unknown, channel: string, what: 'published' | 'received' | 'request' | 'reply'): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
  throw new SchemaError(`Invalid ${what} payload on channel "${channel}": ${summary}`, issues);
}
