import type { FakeSlack } from './fake-slack.js';
import { TEAM } from './slack-user.js';

/**
 * A message shortcut as Slack sends it (slack-platform.md §14.4: type message_action), with a
 * response_url at the fake; `responseId` finds what the bridge posted there.
 */
export function messageAction(
  t: { slack: FakeSlack },
  callbackId: string,
  message: Record<string, unknown>,
  o: { channel?: string; user?: string } = {},
): { responseId: string; payload: Record<string, unknown> } {
  const responseUrl = t.slack.responseUrl();
  const user = o.user ?? 'UALICE';
  return {
    responseId: responseUrl.split('/').at(-1)!,
    payload: {
      type: 'message_action',
      callback_id: callbackId,
      trigger_id: '1337.42.abcd',
      message_ts: message['ts'],
      response_url: responseUrl,
      message: { type: 'message', ...message },
      user: { id: user, name: user.slice(1).toLowerCase(), team_id: TEAM, username: user.slice(1).toLowerCase() },
      channel: { id: o.channel ?? 'C1', name: 'general' },
      team: { id: TEAM, domain: 'fake' },
      token: 'legacy',
      action_ts: '1790002000.000001',
      is_enterprise_install: false,
    },
  };
}
