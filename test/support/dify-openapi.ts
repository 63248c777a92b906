import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Dify's own Service API spec (../shared/conformance/dify/openapi_service.json, byte for byte
 * from langgenius/dify-docs): the fake Dify refuses a request the spec does not allow, with
 * Dify's 400 `invalid_param`, so a request the real Dify would refuse fails a test.
 */
// Ajv knows OpenAPI's `nullable` only beside a `type`; the spec also uses it on bare $refs and unions.
const SPEC = JSON.parse(readFileSync(new URL('../../../shared/conformance/dify/openapi_service.json', import.meta.url), 'utf8'), (_key, value: unknown) => {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'nullable' in value && !('type' in value)) {
    const { nullable: _dropped, ...rest } = value as Record<string, unknown>;
    return rest;
  }
  return value;
}) as {
  paths: Record<string, Record<string, Operation>>;
};

interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
}

// OpenAPI 3.0 schemas use keywords JSON Schema does not know (nullable, example, format: url…).
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(SPEC, 'dify');

/** Refs inside an inline schema point into the spec document. */
const rebase = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema), (key, value: unknown) => (key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `dify${value}` : value));

interface Route {
  method: string;
  pattern: RegExp;
  body?: ValidateFunction;
  requiredQuery: string[];
}

const ROUTES: Route[] = Object.entries(SPEC.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, op]) => {
    const pattern = new RegExp(`^/v1${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const json = op.requestBody?.content?.['application/json']?.schema;
    return {
      method: method.toUpperCase(),
      pattern,
      ...(json ? { body: ajv.compile(rebase(json) as Record<string, unknown>) } : {}),
      requiredQuery: (op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => p.name),
    };
  }),
);

/** The first thing Dify's spec refuses in a request, or undefined when it fits. */
export function specProblem(method: string, path: string, query: URLSearchParams, body: unknown, isJson: boolean): string | undefined {
  const route = ROUTES.find((r) => r.method === method && r.pattern.test(path));
  if (!route) return undefined;
  for (const name of route.requiredQuery) if (!query.get(name)) return `${name} is required in the query string`;
  if (route.body && isJson && !route.body(body)) {
    const e = route.body.errors![0]!;
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'body';
    return `${where} ${e.message ?? 'is invalid'}${'allowedValues' in e.params ? ` (${(e.params['allowedValues'] as unknown[]).join(', ')})` : ''}`;
  }
  return undefined;
}
