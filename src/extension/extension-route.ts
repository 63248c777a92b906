import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { describeError } from '../core/log-fields.js';
import { bearerCheck } from '../http-bearer.js';
import { BodyTooLarge, readBody } from '../http-body.js';
import { TOOL_VARIABLES, type SlackContextProvider } from './slack-context.js';
import type { Moderator } from './moderation.js';

const MAX_BODY_BYTES = 1024 * 1024;
export const POINTS = ['ping', 'app.external_data_tool.query', 'app.moderation.input', 'app.moderation.output'] as const;

const envelope = z.looseObject({
  point: z.string({ message: 'point is missing (expected a string)' }),
  // The docs show {"point": "ping"} without params.
  params: z.record(z.string(), z.unknown(), { message: 'params must be a JSON object' }).optional(),
});
const inputsSchema = z.record(z.string(), z.unknown());
const externalDataParams = z.looseObject({
  app_id: z.string().nullish(),
  tool_variable: z.string({ message: 'params.tool_variable is missing' }),
  inputs: inputsSchema.nullish(),
  query: z.string().nullish(),
});
const moderationInputParams = z.looseObject({ app_id: z.string().nullish(), inputs: inputsSchema.nullish(), query: z.string().nullish() });
const moderationOutputParams = z.looseObject({ app_id: z.string().nullish(), text: z.string({ message: 'params.text is missing (expected a string)' }) });

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return issue.message;
}

export interface ExtensionDeps {
  path: string;
  apiKey: string;
  moderator: Moderator;
  context: SlackContextProvider;
  logger: Logger;
}

/**
 * Dify's API-based extension endpoint: POST {"point", "params"} with the Bearer key. Dify
 * accepts only HTTP 200 with a JSON body and follows no redirect, so every success is exactly
 * that; every failure is JSON too, with a status and a message Dify shows in its error.
 */
export function extensionRoute(deps: ExtensionDeps): CustomRoute {
  const authorized = bearerCheck(deps.apiKey);
  const handle = async (req: IncomingMessage): Promise<unknown> => {
    if (!authorized(req)) throw new HttpProblem(401, 'unauthorized', 'Missing or wrong API key (Authorization: Bearer <key>)');
    let raw: string;
    try {
      raw = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new HttpProblem(413, 'body_too_large', 'The request body is larger than 1 MB');
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new HttpProblem(400, 'invalid_json', 'The body is not valid JSON');
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new HttpProblem(400, 'invalid_json', 'The body must be a JSON object');
    const env = envelope.safeParse(json);
    if (!env.success) throw new HttpProblem(400, 'invalid_request', firstIssue(env.error));
    const { point } = env.data;
    const params = env.data.params ?? {};
    switch (point) {
      case 'ping':
        return { result: 'pong' };
      case 'app.external_data_tool.query': {
        const p = externalDataParams.safeParse(params);
        if (!p.success) throw new HttpProblem(400, 'invalid_params', firstIssue(p.error));
        const variable = p.data.tool_variable;
        if (!(TOOL_VARIABLES as readonly string[]).includes(variable)) {
          throw new HttpProblem(400, 'unknown_tool_variable', `Unknown tool_variable "${variable}" (supported: ${TOOL_VARIABLES.join(', ')})`);
        }
        return { result: await deps.context.query(variable as (typeof TOOL_VARIABLES)[number], p.data.inputs ?? {}, p.data.app_id ?? '') };
      }
      case 'app.moderation.input': {
        const p = moderationInputParams.safeParse(params);
        if (!p.success) throw new HttpProblem(400, 'invalid_params', firstIssue(p.error));
        return deps.moderator.input(p.data.inputs ?? {}, p.data.query ?? '');
      }
      case 'app.moderation.output': {
        const p = moderationOutputParams.safeParse(params);
        if (!p.success) throw new HttpProblem(400, 'invalid_params', firstIssue(p.error));
        return deps.moderator.output(p.data.text);
      }
      default:
        throw new HttpProblem(400, 'unknown_point', `Unknown point "${point}" (supported: ${POINTS.join(', ')})`);
    }
  };

  return {
    path: deps.path,
    method: ['POST'],
    handler: (req: IncomingMessage, res: ServerResponse) => {
      const started = process.hrtime.bigint();
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        deps.logger.debug({ status, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'extension call');
      };
      handle(req).then(
        (body) => reply(200, body),
        (err: unknown) => {
          if (err instanceof HttpProblem) {
            // Drain what is left of an oversized body so the connection can answer.
            if (err.status === 413) req.resume();
            return reply(err.status, { error: err.code, message: err.message });
          }
          deps.logger.error({ err: describeError(err) }, 'extension call failed');
          reply(500, { error: 'internal_error', message: 'The bridge failed to answer; see its log' });
        },
      );
    },
  };
}
