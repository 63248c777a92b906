import { DifyError } from '../dify/errors.js';

/** Errors as log fields: kind, code and message, never request headers (which hold keys). */
export function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof DifyError) return { kind: err.kind, code: err.code, status: err.status, message: err.message };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { message: String(err) };
}
