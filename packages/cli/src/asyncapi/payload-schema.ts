import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

interface ToJsonSchemaParams {
  target: 'draft-07';
  io: 'input';
  unrepresentable: 'any';
}

/**
 * The JSON Schema of a channel's zod schema, from zod 4's own JSON Schema output, in the draft-07
 * dialect the AsyncAPI Schema Object extends. `io: 'input'` describes what the channel accepts
 * (receivers validate with the schema, so that is the contract for foreign producers too); types
 * JSON Schema cannot express (dates, transforms) become unconstrained rather than failing.
 *
 * The application's schema converts itself where its zod copy can (`schema.toJSONSchema`), so a
 * second zod copy here never misreads it; `z.toJSONSchema` covers zod 4 releases without that method.
 */
export function payloadSchema(schema: unknown): JsonSchema | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const params: ToJsonSchemaParams = { target: 'draft-07', io: 'input', unrepresentable: 'any' };
  const own = (schema as { toJSONSchema?: (p: ToJsonSchemaParams) => JsonSchema }).toJSONSchema;
  const json = typeof own === 'function' ? own.call(schema, params) : z.toJSONSchema(schema as z.ZodType, params);
  const { $schema: _dialect, ...rest } = json;
  return rest;
}
