import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { CONTEXT_FORM, EXTENSION_KEY, callExtension } from './support.js';

// Review item 1: the extension answered for any thread of a channel the bridge had once run in.
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const BOT_ID = '61248ab4-1125-45be-ae32-0ce91334d021';
const OTHER_ID = '0b7f6d5e-2222-4c3b-9a1e-5d4c3b2a1f00';

async function bridgeWithOneRun(apps: Record<string, unknown>) {
  t = await startTestBridge({ env: { EXTENSION_API_KEY: EXTENSION_KEY, DIFY_API_KEY: '' }, bridgeConfig: { apps, chat: { default: 'bot' } } });
  for (const key of ['bot-key', 'other-key']) t.dify.apps.set(key, { mode: 'chat', name: 'Context bot', form: CONTEXT_FORM });
  const { ts } = await t.mention('What is the status of the migration?');
  await settled(t);
  return { ts, inputs: t.dify.chatRequests()[0]!.body['inputs'] as Record<string, string> };
}

const thread = (inputs: Record<string, string>, over: Record<string, string>, appId = BOT_ID) =>
  callExtension(t!, 'app.external_data_tool.query', { app_id: appId, tool_variable: 'slack_thread', inputs: { ...inputs, ...over }, query: '' });

describe('the extension describes only threads where the bridge ran the asking app', () => {
  it('gives nothing of a people-only thread in a channel the bridge answered in', async () => {
    const { inputs } = await bridgeWithOneRun({ bot: { type: 'chat', apiKey: 'bot-key' } });
    t!.slack.userMessages.push(
      { channel: 'C1', ts: '1790000000.000100', user: 'UCEO', text: 'confidential: the acquisition closes Friday' },
      { channel: 'C1', ts: '1790000000.000200', thread_ts: '1790000000.000100', user: 'UCFO', text: 'confidential: price is 40M' },
    );
    expect((await thread(inputs, { slack_thread_ts: '1790000000.000100' })).json).toEqual({ result: '' });
    expect(t!.slack.callsTo('conversations.replies')).toHaveLength(0);
    expect(t!.logs.some((l) => String(l['msg']).includes('the bridge never ran the app bot for this thread (C1:1790000000.000100)'))).toBe(true);
    // Its own thread is still described.
    expect((await thread(inputs, {})).json.result).toMatch(/^Alice: What is the status of the migration\?/);
  });

  it('gives nothing for an empty thread ts in a channel (it read the channel’s last 50 messages)', async () => {
    const { inputs } = await bridgeWithOneRun({ bot: { type: 'chat', apiKey: 'bot-key' } });
    expect((await thread(inputs, { slack_thread_ts: '' })).json).toEqual({ result: '' });
    expect(t!.slack.callsTo('conversations.history')).toHaveLength(0);
  });

  it('gives a pinned app’s threads to that Dify app id alone', async () => {
    const { inputs } = await bridgeWithOneRun({
      bot: { type: 'chat', apiKey: 'bot-key', difyAppId: BOT_ID },
      other: { type: 'chat', apiKey: 'other-key', difyAppId: OTHER_ID },
    });
    expect((await thread(inputs, {}, OTHER_ID)).json).toEqual({ result: '' });
    expect((await thread(inputs, {}, 'c0ffee00-0000-4000-8000-000000000000')).json).toEqual({ result: '' });
    const channel = await callExtension(t!, 'app.external_data_tool.query', { app_id: OTHER_ID, tool_variable: 'slack_channel', inputs, query: '' });
    expect(channel.json).toEqual({ result: '' });
    expect((await thread(inputs, {}, BOT_ID.toUpperCase())).json.result).toMatch(/^Alice: What is the status/);
  });
});
