import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { describeError } from '../core/log-fields.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * What a Slack request is, for one log line and a counter: type, and where it comes from.
 * Read by hand, field by field (anything not a string is absent): it runs for every delivery,
 * and the handlers validate what they act on.
 */
export function describeRequest(body: unknown): { type: string; team?: string; channel?: string; user?: string; quiet: boolean } {
  const r = obj(body);
  if (!r) return { type: 'unknown', quiet: false };
  const event = obj(r['event']);
  if (event) {
    const fields = { team: str(r['team_id']), channel: str(event['channel']), user: str(event['user']) };
    // Edits, bot posts (our own answers included) and other subtypes are ignored by the bridge;
    // logged at debug so a streaming answer does not log a line per edit.
    const quiet = str(event['subtype']) !== undefined || str(event['bot_id']) !== undefined;
    return { type: str(event['type']) ?? 'event', ...defined(fields), quiet };
  }
  if (str(r['command']) !== undefined)
    return { type: 'slash_command', ...defined({ team: str(r['team_id']), channel: str(r['channel_id']), user: str(r['user_id']) }), quiet: false };
  const user = str(r['user']) ?? str(obj(r['user'])?.['id']);
  return {
    type: str(r['type']) ?? 'unknown',
    ...defined({ team: str(obj(r['team'])?.['id']) ?? str(r['team_id']), channel: str(obj(r['channel'])?.['id']), user }),
    quiet: false,
  };
}

function defined<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}

/** Runs one Slack request's handling with its log line and count. */
export type RequestObserver = (body: unknown, retryNum: number | undefined, handle: () => Promise<void>) => Promise<void>;

/**
 * One log line per Slack request the bridge handled (type, team, channel, user, retry, time,
 * outcome; never its text) and a count by type.
 */
export function requestObserver(logger: Logger, count: (type: string) => void): RequestObserver {
  return async (body, retryNum, handle) => {
    const about = describeRequest(body);
    const { quiet, ...fields } = about;
    count(about.type);
    const started = Date.now();
    const retry = typeof retryNum === 'number' ? { retry: retryNum } : {};
    try {
      await handle();
      logger[quiet ? 'debug' : 'info']({ ...fields, ...retry, ms: Date.now() - started, outcome: 'ok' }, 'Slack request handled');
    } catch (err) {
      logger.error({ ...fields, ...retry, ms: Date.now() - started, outcome: 'error', err: describeError(err) }, 'Slack request failed');
      throw err;
    }
  };
}

/** Every request that goes through Bolt, observed. */
export function observeRequests(app: App, observe: RequestObserver): void {
  app.use(({ body, context, next }) => observe(body, typeof context.retryNum === 'number' ? context.retryNum : undefined, next));
}
