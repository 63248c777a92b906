import { afterEach, describe, expect, it } from 'vitest';
import { settled, sign, startTestBridge, TEAM, type TestBridge } from '../support/harness.js';

// Review item 5: the front door refused a future-dated signature but handed it to Bolt, which checks only old ones.
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const TEN_MINUTES = 600;
const now = () => Math.floor(Date.now() / 1000);

async function post(body: string, type: string, timestamp: number) {
  const res = await fetch(`${t!.base}/slack/events`, { method: 'POST', headers: { 'content-type': type, ...sign(body, undefined, timestamp) }, body });
  return res.status;
}

const mention = (ts: string) =>
  JSON.stringify({
    type: 'event_callback',
    team_id: TEAM,
    api_app_id: 'A1',
    event_id: `Ev${ts.replace('.', '')}`,
    event_time: now(),
    event: { type: 'app_mention', user: 'UALICE', text: `<@UBOT> hello`, ts, channel: 'C1', event_ts: ts, team: TEAM },
  });

describe('a correctly signed delivery is refused when dated more than five minutes away, in either direction', () => {
  it('refuses events, slash commands and interactions dated ten minutes ahead with 401, and answers none', async () => {
    t = await startTestBridge();
    expect(await post(mention('1790000000.000100'), 'application/json', now() + TEN_MINUTES)).toBe(401);
    const command = new URLSearchParams({
      command: '/dify',
      text: 'help',
      team_id: TEAM,
      channel_id: 'C1',
      user_id: 'UALICE',
      response_url: t.slack.responseUrl(),
      trigger_id: '1.2.3',
    });
    expect(await post(command.toString(), 'application/x-www-form-urlencoded', now() + TEN_MINUTES)).toBe(401);
    const action = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', team: { id: TEAM }, user: { id: 'UALICE' }, actions: [] }) });
    expect(await post(action.toString(), 'application/x-www-form-urlencoded', now() + TEN_MINUTES)).toBe(401);
    // And ten minutes old, as before.
    expect(await post(mention('1790000000.000200'), 'application/json', now() - TEN_MINUTES)).toBe(401);
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(0);
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
    // Within the window it is answered.
    expect(await post(mention('1790000000.000300'), 'application/json', now() + 60)).toBe(200);
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(1);
  });
});
