import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

/** Payloads captured from the real Slack (../shared/conformance/slack-payloads/SOURCES.md says where each comes from). */
const captured = (path: string): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`../../../shared/conformance/slack-payloads/${path}`, import.meta.url), 'utf8')) as Record<string, any>;

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** What Bolt logs when Slack would show the person a failure (it then answers 404 after 3 s). */
const unacknowledged = (b: TestBridge) =>
  b.logs.filter((l) => /not acknowledged/i.test(String(l['msg'])) || (Number(l['level']) >= 50 && /ack/i.test(String(l['msg']))));

describe('payloads the real Slack sends', () => {
  it("a button the bridge did not create (an older release's, another integration's) is acknowledged at once, and its presser told privately", async () => {
    t = await startTestBridge();
    const action = { ...captured('vercel-chat/actions-reactions.json')['action'], response_url: t.slack.responseUrl('old-button') };
    const r = await t.interact(action);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(2500);
    const reply = await t.slack.waitFor(() => t!.slack.responsesTo('old-button')[0], 3000, 'the private reply');
    expect(reply.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'This button belongs to an older answer and no longer works; ask again.',
    });
    expect(unacknowledged(t)).toEqual([]);
  });

  it('a button on an ephemeral message is acknowledged too', async () => {
    t = await startTestBridge();
    const action = { ...captured('vercel-chat/modals.json')['ephemeralAction'], response_url: t.slack.responseUrl('ephemeral') };
    const r = await t.interact(action);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(2500);
    await t.slack.waitFor(() => t!.slack.responsesTo('ephemeral')[0], 3000, 'the private reply');
    expect(unacknowledged(t)).toEqual([]);
  });

  it('a modal the bridge did not open is acknowledged when submitted (it closes), and nothing runs', async () => {
    t = await startTestBridge();
    const r = await t.interact(captured('vercel-chat/modals.json')['viewSubmission']);
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.ms).toBeLessThan(2500);
    await settled(t);
    expect(t.dify.requests).toHaveLength(0);
    expect(unacknowledged(t)).toEqual([]);
  });

  it('Slackbot\'s own DM ("You have been removed from #…") is not a question', async () => {
    t = await startTestBridge();
    const envelope = captured('mercury-slack-web/slackbotIm.json');
    await t.sendEvent(envelope['event'], { teamId: envelope['team_id'] });
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(0);
    expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it("a person's DM, as captured, is answered", async () => {
    t = await startTestBridge();
    const envelope = captured('mercury-slack-web/messageIm.json');
    await t.sendEvent(envelope['event'], { teamId: envelope['team_id'] });
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(1);
    expect(t.dify.chatRequests()[0]!.body['query']).toBe(envelope['event'].text);
  });

  it("a DM opened under agent_view (app_home_opened, messages tab, as captured) shows Slack's suggested prompts", async () => {
    t = await startTestBridge({ env: { DIFY_API_KEY: '' }, bridgeConfig: { apps: { hr: { type: 'chat', apiKey: 'app-hr' } } } });
    t.dify.apps.set('app-hr', { mode: 'chat', name: 'HR', starters: ['How many leave days do I have?', 'Who is my HR partner?'] });
    const envelope = captured('mercury-slack-web/app_home_opened_messages.json');
    await t.sendEvent(envelope['event'], { teamId: envelope['team_id'] });
    const prompts = await t.slack.waitFor(() => t!.slack.suggestedPrompts.get(envelope['event'].channel), 3000, 'the prompts');
    expect(prompts.map((p) => p.message)).toEqual(['How many leave days do I have?', 'Who is my HR partner?']);
    expect(t.slack.callsTo('assistant.threads.setSuggestedPrompts')[0]!.args).not.toHaveProperty('thread_ts');
  });
});
