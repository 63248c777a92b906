import { afterEach, describe, expect, it } from 'vitest';
import { writeSse } from '../support/fake-dify.js';
import { settled, sign, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('Slack surfaces', () => {
  it('answers DMs as one conversation by default, its threads included, each answer where it was asked', async () => {
    t = await startTestBridge();
    await t.message('hi in a DM', { channel: 'D1', channelType: 'im' });
    await settled(t);
    // Under Slack's agent view a DM message may come as a thread of its own: still the same conversation.
    await t.message('in a thread', { channel: 'D1', channelType: 'im', threadTs: '1690000001.000001' });
    await settled(t);
    const reqs = t.dify.chatRequests();
    expect(reqs[1]!.body['conversation_id']).toBe([...t.dify.conversations.keys()][0]);
    expect(reqs[1]!.body['user']).toBe(reqs[0]!.body['user']);
    expect(t.slack.replies('D1', undefined).map((m) => m.text)).toEqual(['You said: hi in a DM']);
    expect(t.slack.replies('D1', '1690000001.000001').map((m) => m.text)).toEqual(['You said: in a thread']);
  });

  it('with "dm": "thread", every top-level DM message starts its own conversation in its own thread, and replies continue it', async () => {
    t = await startTestBridge({ bridgeConfig: { apps: { default: { type: 'chat', apiKey: 'app-test-key' } }, dm: 'thread' }, env: { DIFY_API_KEY: '' } });
    const first = await t.message('hi in a DM', { channel: 'D1', channelType: 'im' });
    await settled(t);
    const second = await t.message('something else', { channel: 'D1', channelType: 'im' });
    await settled(t);
    // Each is answered in a thread under it, not on the timeline.
    expect(t.slack.replies('D1', undefined).map((m) => m.text)).toEqual([]);
    expect(t.slack.replies('D1', first.ts).map((m) => m.text)).toEqual(['You said: hi in a DM']);
    expect(t.slack.replies('D1', second.ts).map((m) => m.text)).toEqual(['You said: something else']);
    const reqs = t.dify.chatRequests();
    expect(reqs.map((r) => r.body['conversation_id'])).toEqual(['', '']);
    const conversations = [...t.dify.conversations.keys()];
    expect(conversations).toHaveLength(2);
    // A reply in the first thread continues the first conversation.
    await t.message('more on that', { channel: 'D1', channelType: 'im', threadTs: first.ts });
    await settled(t);
    expect(t.dify.chatRequests()[2]!.body['conversation_id']).toBe(conversations[0]);
    expect(t.slack.replies('D1', first.ts).map((m) => m.text)).toEqual(['You said: hi in a DM', 'You said: more on that']);
  });

  it('ignores its own messages, other bots, and edits, deletes and joins', async () => {
    t = await startTestBridge();
    const { ts } = await t.mention('start');
    await settled(t);
    await t.message('from myself', { threadTs: ts, user: 'UBOT' });
    await t.message('from another bot', { threadTs: ts, user: 'UOTHER', extra: { bot_id: 'B999' } });
    await t.message('bot message', { threadTs: ts, user: 'UOTHER', extra: { subtype: 'bot_message', bot_id: 'B999' } });
    await t.message('edited', { threadTs: ts, extra: { subtype: 'message_changed' } });
    await t.message('', { threadTs: ts, extra: { subtype: 'message_deleted' } });
    await t.message('joined', { threadTs: ts, extra: { subtype: 'channel_join' } });
    await t.message('hi', { channel: 'D1', channelType: 'im', user: 'UBOT' });
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(1);
  });

  it('asks for a question when the mention has no text, without calling Dify', async () => {
    t = await startTestBridge();
    const { ts } = await t.mention('');
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(0);
    expect(t.slack.replies('C1', ts)[0]!.text).toMatch(/Write your question after the mention/);
  });

  it('routes channels to their configured chat app', async () => {
    t = await startTestBridge({
      patch: (c) => {
        c.dify.apps['other'] = { type: 'chat', apiKey: 'app-other-key', apiUrl: c.dify.apps['default']!.apiUrl };
        c.chat.channels = { C2: 'other' };
      },
    });
    await t.mention('to default');
    await t.mention('to other', { channel: 'C2' });
    await settled(t);
    const keys = t.dify.chatRequests().map((r) => `${String(r.body['query'])}:${String(r.headers.authorization)}`);
    expect(keys).toContain('to default:Bearer app-test-key');
    expect(keys).toContain('to other:Bearer app-other-key');
  });

  it('rejects requests with a bad or stale signature', async () => {
    t = await startTestBridge();
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev1',
      event: { type: 'app_mention', user: 'U1', text: 'x', ts: '1.1', channel: 'C1' },
    });
    const bad = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body, 'wrong-secret') }, body });
    expect(bad.status).toBe(401);
    const stale = await fetch(`${t.base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...sign(body, undefined, Math.floor(Date.now() / 1000) - 600) },
      body,
    });
    expect(stale.status).toBe(401);
    await settled(t);
    expect(t.dify.chatRequests()).toHaveLength(0);
  });

  it('answers url_verification and serves /healthz', async () => {
    t = await startTestBridge();
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    const res = await fetch(`${t.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...sign(body) }, body });
    expect(await res.json()).toEqual({ challenge: 'abc123' });
    const health = await fetch(`${t.base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, version: '0.1.0', store: { kind: 'memory', ok: true }, dify: { ok: true, apps: { default: true } } });
    // Cached: a second look does not ask Dify again.
    const infoCalls = () => t!.dify.requests.filter((r) => r.path === '/v1/info').length;
    const before = infoCalls();
    expect((await fetch(`${t.base}/healthz`)).status).toBe(200);
    expect(infoCalls()).toBe(before);
  });

  it('logs what the operator must do when the bot is not in the channel, and stops the Dify run', async () => {
    t = await startTestBridge();
    t.slack.notInChannel.add('C9');
    let cutShort = false;
    t.dify.onChat = async ({ events, res }) => {
      res.on('close', () => (cutShort = !res.writableEnded));
      await writeSse(res, [...Array.from({ length: 40 }, (_, i) => events.message(`token${i} `)), events.messageEnd()], 50);
    };
    await t.mention('anyone?', { channel: 'C9' });
    await settled(t);
    // The read is aborted; the fake Dify sees its connection close a moment later.
    await t.slack.waitFor(() => cutShort, 2000, 'the Dify stream cut short');
    await t.slack.waitFor(() => t!.dify.requests.find((r) => r.path.endsWith('/stop')), 2000, 'stop call');
    const stop = t.dify.requests.find((r) => r.path.endsWith('/stop'))!;
    expect(stop.body['user']).toBe(t.dify.chatRequests()[0]!.body['user']);
    const line = t.logs.find((l) => l['reason'] === 'not_in_channel');
    expect(line?.['msg']).toMatch(/invite it there with \/invite/);
    expect(JSON.stringify(t.logs)).not.toContain(t.slack.token);
    expect(JSON.stringify(t.logs)).not.toContain(t.dify.apiKey);
  });
});

describe('slash commands that are not configured', () => {
  it('say how to set them up instead of timing out', async () => {
    t = await startTestBridge();
    const r = await t.command('some text', { command: '/summarize' });
    expect(JSON.parse(r.body)).toEqual({
      response_type: 'ephemeral',
      text: '`/summarize` is not set up in this bridge. Add `"command": "/summarize"` to an app in BRIDGE_CONFIG, or remove the command from the Slack app.',
    });
    const help = await t.command('');
    expect(JSON.parse(help.body).blocks[0].text).toContain('**default** (chat)');
  });
});
