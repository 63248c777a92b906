import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { messageAction } from '../support/message-action.js';

// Review item 6: "dms": false was bypassed by the message shortcuts in the bot's DM.
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const DMS_OFF = "I don't answer direct messages here. Mention me in a channel I'm in (`@Dify your question`), or use `/dify` there.";

describe('"dms": false holds for message shortcuts in a DM', () => {
  it('"Ask Dify about this" and "Summarize thread" in a DM answer with the DMs-off line, open no modal and call no Dify', async () => {
    t = await startTestBridge({ bridgeConfig: { apps: { bot: { type: 'chat', apiKey: 'app-test-key' } }, dms: false, shortcuts: { summarize: 'bot' } } });
    t.dify.apps.set('app-test-key', { mode: 'chat', name: 'Bot', form: [] });
    const message = { ts: '1790002000.000100', thread_ts: '1790002000.000100', reply_count: 2, user: 'UALICE', text: 'our plan' };
    for (const callback of ['dify_ask', 'dify_summarize']) {
      const { payload, responseId } = messageAction(t, callback, message, { channel: 'D1' });
      expect((await t.interact(payload)).status).toBe(200);
      const said = await t.slack.waitFor(() => t!.slack.responsesTo(responseId)[0], 3000, `the answer to ${callback}`);
      expect(said.body['text']).toBe(DMS_OFF);
    }
    await settled(t);
    expect(t.slack.views).toHaveLength(0);
    expect(t.dify.chatRequests()).toHaveLength(0);
  });
});
