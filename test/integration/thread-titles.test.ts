import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('thread titles', () => {
  it('Dify names a channel thread’s conversation itself; an agent DM thread is named once, after its first answer, and its Slack session gets that title', async () => {
    t = await startTestBridge();
    await t.mention('how do refunds work?');
    await settled(t);
    const conversation = [...t.dify.conversations.keys()][0]!;
    // Dify's default (auto_generate_name true) names it: no second naming request from the bridge.
    const first = t.dify.requests.find((r) => r.path === '/v1/chat-messages')!;
    expect(first.body).not.toHaveProperty('auto_generate_name');
    expect(t.dify.conversationNames.get(conversation)).toBe('Generated: a short title');
    expect(t.dify.requests.filter((r) => r.path.endsWith('/name'))).toHaveLength(0);
    // An agent DM thread: Dify is told not to name it, the bridge asks once and titles the session.
    const root = '1790000500.000100';
    await t.message('hello', { channel: 'D1', channelType: 'im', ts: '1790000500.000200', threadTs: root });
    await settled(t);
    await t.slack.waitFor(() => t!.slack.sessionTitles.get(`D1:${root}`), 2000, 'the session title');
    expect(t.slack.sessionTitles.get(`D1:${root}`)).toBe('Generated: a short title');
    const dm = t.dify.requests.filter((r) => r.path === '/v1/chat-messages')[1]!;
    expect(dm.body).toMatchObject({ auto_generate_name: false, conversation_id: '' });
    const dmConversation = [...t.dify.conversations.keys()][1]!;
    const renames = t.dify.requests.filter((r) => r.path.endsWith('/name'));
    expect(renames.map((r) => [r.path, r.body])).toEqual([[`/v1/conversations/${dmConversation}/name`, { auto_generate: true, user: 'slack:T1:D1:dm' }]]);
    // Later turns do not rename it again.
    await t.message('and for gift cards?', { channel: 'D1', channelType: 'im', ts: '1790000500.000300', threadTs: root });
    await settled(t);
    expect(t.dify.requests.filter((r) => r.path.endsWith('/name'))).toHaveLength(1);
  });

  it('a session renamed in Slack renames its Dify conversation; the bot’s own rename does not loop back', async () => {
    t = await startTestBridge();
    const root = '1790000600.000100';
    await t.message('hello', { channel: 'D1', channelType: 'im', ts: '1790000600.000200', threadTs: root });
    await settled(t);
    const conversation = [...t.dify.conversations.keys()][0]!;
    const event = (user: string, title: string) => ({
      type: 'agent_session_title_changed',
      channel: 'D1',
      user,
      team_id: 'T1',
      thread_ts: root,
      title,
      event_ts: '1790000601.000100',
    });
    await t.sendEvent(event('UBOT', 'Generated: a short title'));
    await t.sendEvent(event('UALICE', 'Refund for order 8812'));
    await t.slack.waitFor(() => t!.dify.conversationNames.get(conversation) === 'Refund for order 8812', 2000, 'the Dify rename');
    const renames = t.dify.requests.filter((r) => r.path.endsWith('/name'));
    expect(renames.map((r) => r.body)).toEqual([
      { auto_generate: true, user: 'slack:T1:D1:dm' },
      { name: 'Refund for order 8812', auto_generate: false, user: 'slack:T1:D1:dm' },
    ]);
  });
});
