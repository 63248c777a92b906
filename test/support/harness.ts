import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startBridge, type RunningBridge } from '../../src/bridge.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { FakeDify } from './fake-dify.js';
import { FakeSlack, slackTs } from './fake-slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const TEAM = 'T1';

export function sign(body: string, secret = SIGNING_SECRET, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
}

export interface TestBridge {
  bridge: RunningBridge;
  slack: FakeSlack;
  dify: FakeDify;
  logs: Array<Record<string, unknown>>;
  base: string;
  /** Posts a signed Events API envelope; returns the HTTP status and the time to the response. */
  sendEvent(event: Record<string, unknown>, opts?: { eventId?: string; retryNum?: number }): Promise<{ status: number; ms: number; eventId: string }>;
  mention(text: string, opts?: { channel?: string; ts?: string; threadTs?: string; user?: string }): Promise<{ ts: string; eventId: string }>;
  message(text: string, opts?: { channel?: string; ts?: string; threadTs?: string; user?: string; channelType?: string; extra?: Record<string, unknown> }): Promise<{ ts: string; eventId: string }>;
  /** Sends a signed slash command; returns the id of its response_url at the fake. */
  command(text: string, opts?: { command?: string; channel?: string; user?: string }): Promise<{ status: number; body: string; responseId: string }>;
  /** Submits a modal the bridge opened (the last one unless given), as Slack would; returns the HTTP status and body. */
  submitView(values: Record<string, Record<string, unknown>>, opts?: { view?: Record<string, unknown>; user?: string }): Promise<{ status: number; body: string }>;
  /** Presses a button on a message, as Slack would (signed block_actions); returns the response id for ephemeral replies. */
  /** Presses a button (or one side of Slack's feedback buttons: `choice`) on a message. */
  press(
    message: { channel: string; ts: string; thread_ts?: string; blocks?: Array<Record<string, unknown>>; text?: string },
    actionId: string,
    opts?: { user?: string; choice?: 'positive' | 'negative' },
  ): Promise<{ status: number; responseId: string }>;
  restart(): Promise<void>;
  close(): Promise<void>;
}


export async function startTestBridge(
  options: { env?: Record<string, string>; patch?: (c: Config) => void; slack?: FakeSlack; dify?: FakeDify; bridgeConfig?: unknown } = {},
): Promise<TestBridge> {
  const slack = options.slack ?? (await new FakeSlack().start());
  const dify = options.dify ?? (await new FakeDify().start());
  const logs: Array<Record<string, unknown>> = [];
  const env: Record<string, string> = {
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    DIFY_API_URL: dify.url,
    DIFY_API_KEY: dify.apiKey,
    STORE_URL: 'memory:',
    PORT: '0',
    HOST: '127.0.0.1',
    STREAM_INTERVAL_MS: '100',
    // Tests stream fast; the shared allowance has its own tests.
    SLACK_EDITS_PER_MINUTE: '100000',
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  if (options.bridgeConfig) {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
    writeFileSync(join(dir, 'bridge.json'), JSON.stringify(options.bridgeConfig));
    env.BRIDGE_CONFIG = join(dir, 'bridge.json');
  }
  const result = loadConfig(env);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  const config = result.config;
  config.stream.placeholderDelayMs = 300;
  config.difyBusyRetryMs = 100;
  options.patch?.(config);
  const sinkStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, sinkStream);

  let bridge = await startBridge(config, logger);
  const t: TestBridge = {
    get bridge() {
      return bridge;
    },
    slack,
    dify,
    logs,
    get base() {
      return `http://127.0.0.1:${bridge.port}`;
    },
    async sendEvent(event, opts = {}) {
      const eventId = opts.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 12)}`;
      const body = JSON.stringify({
        token: 'legacy',
        team_id: TEAM,
        api_app_id: 'A1',
        event,
        type: 'event_callback',
        event_id: eventId,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ team_id: TEAM, user_id: slack.botUserId, is_bot: true }],
      });
      const headers: Record<string, string> = { 'content-type': 'application/json', ...sign(body) };
      if (opts.retryNum) {
        headers['x-slack-retry-num'] = String(opts.retryNum);
        headers['x-slack-retry-reason'] = 'http_timeout';
      }
      const started = Date.now();
      const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers, body });
      await res.text();
      return { status: res.status, ms: Date.now() - started, eventId };
    },
    async mention(text, o = {}) {
      const ts = o.ts ?? slackTs();
      const event = {
        type: 'app_mention',
        user: o.user ?? 'UALICE',
        text: `<@${slack.botUserId}> ${text}`,
        ts,
        channel: o.channel ?? 'C1',
        event_ts: ts,
        team: TEAM,
        ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
      };
      slack.userMessages.push({ channel: event.channel, ts, ...(o.threadTs ? { thread_ts: o.threadTs } : {}), user: event.user, text: event.text });
      const { eventId } = await t.sendEvent(event);
      return { ts, eventId };
    },
    async message(text, o = {}) {
      const ts = o.ts ?? slackTs();
      const event = {
        type: 'message',
        user: o.user ?? 'UALICE',
        text,
        ts,
        channel: o.channel ?? 'C1',
        channel_type: o.channelType ?? 'channel',
        event_ts: ts,
        team: TEAM,
        ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
        ...o.extra,
      };
      if (!o.extra) slack.userMessages.push({ channel: event.channel, ts, ...(o.threadTs ? { thread_ts: o.threadTs } : {}), user: event.user, text });
      const { eventId } = await t.sendEvent(event);
      return { ts, eventId };
    },
    async command(text, o = {}) {
      const responseId = `R${randomUUID().slice(0, 8)}`;
      const body = new URLSearchParams({
        token: 'legacy',
        team_id: TEAM,
        team_domain: 'fake',
        channel_id: o.channel ?? 'C1',
        channel_name: 'general',
        user_id: o.user ?? 'UALICE',
        user_name: 'alice',
        command: o.command ?? '/dify',
        text,
        api_app_id: 'A1',
        response_url: slack.responseUrl(responseId),
        trigger_id: `trig-${randomUUID()}`,
      }).toString();
      const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) }, body });
      return { status: res.status, body: await res.text(), responseId };
    },
    async submitView(values, o = {}) {
      const view = o.view ?? slack.views.at(-1);
      if (!view) throw new Error('no view was opened');
      const payload = {
        type: 'view_submission',
        team: { id: TEAM, domain: 'fake' },
        user: { id: o.user ?? 'UALICE', username: 'alice', team_id: TEAM },
        api_app_id: 'A1',
        token: 'legacy',
        trigger_id: 'trig-submit',
        view: { id: 'V1', team_id: TEAM, type: 'modal', ...view, state: { values }, hash: 'h', app_id: 'A1', bot_id: slack.botId },
        response_urls: [],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) }, body });
      return { status: res.status, body: await res.text() };
    },
    async press(message, actionId, o = {}) {
      const block = (message.blocks ?? []).find((b) => Array.isArray(b['elements']) && (b['elements'] as Array<Record<string, unknown>>).some((e) => e['action_id'] === actionId));
      const element = (block?.['elements'] as Array<Record<string, unknown>> | undefined)?.find((e) => e['action_id'] === actionId);
      if (!element) throw new Error(`no button ${actionId} on the message`);
      const feedback = element['type'] === 'feedback_buttons';
      if (feedback && !o.choice) throw new Error(`${actionId} is Slack's feedback buttons: say which (choice)`);
      const button = feedback ? (element[`${o.choice}_button`] as Record<string, unknown>) : element;
      const responseId = `A${randomUUID().slice(0, 8)}`;
      const payload = {
        type: 'block_actions',
        user: { id: o.user ?? 'UALICE', username: 'alice', team_id: TEAM },
        api_app_id: 'A1',
        token: 'legacy',
        team: { id: TEAM, domain: 'fake' },
        container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
        trigger_id: `trig-${randomUUID()}`,
        channel: { id: message.channel, name: 'general' },
        message: { type: 'message', ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}), text: message.text ?? '', blocks: message.blocks ?? [] },
        response_url: slack.responseUrl(responseId),
        actions: [{ action_id: actionId, block_id: block!['block_id'], value: button['value'], type: feedback ? 'feedback_buttons' : 'button', action_ts: String(Date.now() / 1000), text: button['text'] }],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) }, body });
      await res.text();
      return { status: res.status, responseId };
    },
    async restart() {
      await bridge.stop();
      bridge = await startBridge(config, logger);
    },
    async close() {
      await bridge.stop();
      if (!options.slack) await slack.close();
      if (!options.dify) await dify.close();
    },
  };
  return t;
}

/**
 * Waits until every accepted message has been answered. Bolt acks before it runs listeners,
 * so a short pause first lets the listener of a just-acked event enqueue its work.
 */
export async function settled(t: TestBridge): Promise<void> {
  do {
    await new Promise((r) => setTimeout(r, 40));
    await t.bridge.idle();
  } while (t.bridge.chat.runs.active > 0 || t.bridge.commands.runs.active > 0);
}
