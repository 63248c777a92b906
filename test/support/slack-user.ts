import { createHmac, randomUUID } from 'node:crypto';
import { FakeSlack, slackTs } from './fake-slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const TEAM = 'T1';

export function sign(body: string, secret = SIGNING_SECRET, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': String(timestamp) };
}

/**
 * What Slack sends the bridge when people act (events, slash commands, button presses, modal
 * submissions), signed like Slack signs them, with the user's side recorded in the fake Slack
 * so conversations.replies and the demo page see it.
 */
export class SlackUser {
  constructor(
    private readonly slack: FakeSlack,
    /** The bridge's base URL (it changes when a test restarts the bridge). */
    private readonly base: () => string,
    private readonly secret = SIGNING_SECRET,
  ) {}

  async sendEvent(
    event: Record<string, unknown>,
    opts: { eventId?: string; retryNum?: number; teamId?: string } = {},
  ): Promise<{ status: number; ms: number; eventId: string }> {
    const team = opts.teamId ?? TEAM;
    const eventId = opts.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const body = JSON.stringify({
      token: 'legacy',
      team_id: team,
      api_app_id: 'A1',
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: team, user_id: this.slack.botUserId, is_bot: true }],
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', ...sign(body, this.secret) };
    if (opts.retryNum !== undefined && opts.retryNum > 0) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const started = Date.now();
    const res = await fetch(`${this.base()}/slack/events`, { method: 'POST', headers, body });
    await res.text();
    return { status: res.status, ms: Date.now() - started, eventId };
  }

  async mention(
    text: string,
    o: { channel?: string; ts?: string; threadTs?: string; user?: string; team?: string; botUserId?: string } = {},
  ): Promise<{ ts: string; eventId: string }> {
    const ts = o.ts ?? slackTs();
    const event = {
      type: 'app_mention',
      user: o.user ?? 'UALICE',
      text: `<@${o.botUserId ?? this.slack.botUserId}> ${text}`,
      ts,
      channel: o.channel ?? 'C1',
      event_ts: ts,
      team: o.team ?? TEAM,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}),
    };
    this.slack.userMessages.push({ channel: event.channel, ts, ...(o.threadTs ? { thread_ts: o.threadTs } : {}), user: event.user, text: event.text });
    const { eventId } = await this.sendEvent(event, { teamId: event.team });
    return { ts, eventId };
  }

  async message(
    text: string,
    o: { channel?: string; ts?: string; threadTs?: string; user?: string; channelType?: string; extra?: Record<string, unknown> } = {},
  ): Promise<{ ts: string; eventId: string }> {
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
    if (!o.extra) this.slack.userMessages.push({ channel: event.channel, ts, ...(o.threadTs ? { thread_ts: o.threadTs } : {}), user: event.user, text });
    const { eventId } = await this.sendEvent(event);
    return { ts, eventId };
  }

  /** Sends a signed slash command; returns the id of its response_url at the fake. */
  async command(text: string, o: { command?: string; channel?: string; user?: string } = {}): Promise<{ status: number; body: string; responseId: string }> {
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
      response_url: this.slack.responseUrl(responseId),
      trigger_id: `trig-${randomUUID()}`,
    }).toString();
    const res = await fetch(`${this.base()}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body, this.secret) },
      body,
    });
    return { status: res.status, body: await res.text(), responseId };
  }

  /** Submits a modal the bridge opened (the last one unless given), as Slack would. */
  async submitView(
    values: Record<string, Record<string, unknown>>,
    o: { view?: Record<string, unknown>; user?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const view = o.view ?? this.slack.views.at(-1);
    if (!view) throw new Error('no view was opened');
    const payload = {
      type: 'view_submission',
      team: { id: TEAM, domain: 'fake' },
      user: { id: o.user ?? 'UALICE', username: 'alice', team_id: TEAM },
      api_app_id: 'A1',
      token: 'legacy',
      trigger_id: 'trig-submit',
      view: { id: 'V1', team_id: TEAM, type: 'modal', ...view, state: { values }, hash: 'h', app_id: 'A1', bot_id: this.slack.botId },
      response_urls: [],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await fetch(`${this.base()}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body, this.secret) },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  /** Presses a button (or one side of Slack's feedback buttons: `choice`) on a message. */
  async press(
    message: { channel: string; ts: string; thread_ts?: string; blocks?: Array<Record<string, unknown>>; text?: string },
    actionId: string,
    o: { user?: string; choice?: 'positive' | 'negative'; ephemeral?: boolean } = {},
  ): Promise<{ status: number; responseId: string }> {
    const block = (message.blocks ?? []).find(
      (b) => Array.isArray(b['elements']) && (b['elements'] as Array<Record<string, unknown>>).some((e) => e['action_id'] === actionId),
    );
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
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: o.ephemeral === true },
      trigger_id: `trig-${randomUUID()}`,
      channel: { id: message.channel, name: 'general' },
      // Slack sends no `message` for a button on an ephemeral message.
      ...(o.ephemeral === true
        ? {}
        : {
            message: {
              type: 'message',
              ts: message.ts,
              ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
              text: message.text ?? '',
              blocks: message.blocks ?? [],
            },
          }),
      response_url: this.slack.responseUrl(responseId),
      actions: [
        {
          action_id: actionId,
          block_id: block!['block_id'],
          value: button['value'],
          type: feedback ? 'feedback_buttons' : 'button',
          action_ts: String(Date.now() / 1000),
          text: button['text'],
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await fetch(`${this.base()}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body, this.secret) },
      body,
    });
    await res.text();
    return { status: res.status, responseId };
  }

  /** Sends any interaction payload (block_actions, view_submission, shortcut, block_suggestion) signed, as Slack does. */
  async interact(payload: Record<string, unknown>): Promise<{ status: number; body: string; ms: number }> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const started = Date.now();
    const res = await fetch(`${this.base()}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...sign(body, this.secret) },
      body,
    });
    return { status: res.status, body: await res.text(), ms: Date.now() - started };
  }
}
