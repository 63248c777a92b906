import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { describeError } from '../core/log-fields.js';

const id = z.string().optional().catch(undefined);
const requestSchema = z.looseObject({
  type: id,
  command: id,
  team_id: id,
  channel_id: id,
  user_id: id,
  team: z.looseObject({ id }).optional().catch(undefined),
  channel: z.looseObject({ id }).optional().catch(undefined),
  user: z
    .union([z.string(), z.looseObject({ id })])
    .optional()
    .catch(undefined),
  event: z.looseObject({ type: id, subtype: id, channel: id, user: id, bot_id: id }).optional().catch(undefined),
});

/** What a Slack request is, for one log line and a counter: type, and where it comes from. */
export function describeRequest(body: unknown): { type: string; team?: string; channel?: string; user?: string; quiet: boolean } {
  const b = requestSchema.safeParse(body);
  if (!b.success) return { type: 'unknown', quiet: false };
  const r = b.data;
  const pick = (...values: Array<string | undefined>) => values.find((v) => v !== undefined);
  const user = typeof r.user === 'string' ? r.user : r.user?.id;
  if (r.event) {
    const fields = { team: pick(r.team_id), channel: pick(r.event.channel), user: pick(r.event.user) };
    // Edits, bot posts (our own answers included) and other subtypes are ignored by the bridge;
    // logged at debug so a streaming answer does not log a line per edit.
    const quiet = r.event.subtype !== undefined || r.event.bot_id !== undefined;
    return { type: r.event.type ?? 'event', ...defined(fields), quiet };
  }
  if (r.command) return { type: 'slash_command', ...defined({ team: pick(r.team_id), channel: pick(r.channel_id), user: pick(r.user_id) }), quiet: false };
  return { type: r.type ?? 'unknown', ...defined({ team: pick(r.team?.id, r.team_id), channel: pick(r.channel?.id), user }), quiet: false };
}

function defined<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}

/**
 * One log line per Slack request the bridge handled (type, team, channel, user, retry, time,
 * outcome; never its text) and a count by type.
 */
export function observeRequests(app: App, logger: Logger, count: (type: string) => void): void {
  app.use(async ({ body, context, next }) => {
    const about = describeRequest(body);
    const { quiet, ...fields } = about;
    count(about.type);
    const started = Date.now();
    const retry = typeof context.retryNum === 'number' ? { retry: context.retryNum } : {};
    try {
      await next();
      logger[quiet ? 'debug' : 'info']({ ...fields, ...retry, ms: Date.now() - started, outcome: 'ok' }, 'Slack request handled');
    } catch (err) {
      logger.error({ ...fields, ...retry, ms: Date.now() - started, outcome: 'error', err: describeError(err) }, 'Slack request failed');
      throw err;
    }
  });
}
