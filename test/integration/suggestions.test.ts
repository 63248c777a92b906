import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge;
beforeEach(async () => {
  t = await startTestBridge({ env: { DIFY_API_KEY: '' }, bridgeConfig: { apps: { guide: { type: 'chat', apiKey: 'app-guide' } } } });
  t.dify.apps.set('app-guide', {
    mode: 'chat',
    name: 'Guide',
    openingStatement: 'Hi! I know the handbook.',
    starters: ['How do I request leave?', 'Where is the VPN guide?', 'Who approves expenses?', 'What are the office hours?', 'A fifth one'],
    followUps: ['How many days do I get?', 'Can I carry days over?', 'Who approves it?', 'A fourth'],
  });
});
afterEach(async () => {
  await t.close();
});

describe('suggested questions', () => {
  it('after an answer, offers up to 3 follow-ups as buttons; pressing one asks it in the thread', async () => {
    const { ts } = await t.mention('How do I request leave?');
    await settled(t);
    const answer = t.slack.replies('C1', ts)[0]!;
    const buttons = answer.blocks!.flatMap((b) => (b['elements'] as Array<{ action_id: string; text: { text: string } }> | undefined) ?? []);
    expect(buttons.filter((b) => b.action_id.startsWith('dify_suggest_')).map((b) => b.text.text)).toEqual([
      'How many days do I get?',
      'Can I carry days over?',
      'Who approves it?',
    ]);
    const suggested = t.dify.requests.find((r) => r.path.endsWith('/suggested'))!;
    expect(suggested.path).toMatch(/^\/v1\/messages\/[^/]+\/suggested$/);

    await t.press(answer, 'dify_suggest_1', { user: 'UBOB' });
    await settled(t);
    const thread = t.slack.replies('C1', ts).map((m) => m.text);
    expect(thread).toEqual(['You said: How do I request leave?', '<@UBOB> asked: Can I carry days over?', 'You said: Can I carry days over?']);
    const reqs = t.dify.chatRequests();
    expect(reqs[1]!.body['query']).toBe('Can I carry days over?');
    expect(reqs[1]!.body['conversation_id']).toBe([...t.dify.conversations.keys()][0]);
  });

  it('greets a new assistant thread with the opening statement and up to 4 suggested prompts', async () => {
    await t.sendEvent({
      type: 'assistant_thread_started',
      assistant_thread: { user_id: 'UALICE', channel_id: 'D1', thread_ts: '1790000400.000100', context: {} },
      event_ts: '1790000400.000200',
    });
    const call = await t.slack.waitFor(() => t.slack.callsTo('assistant.threads.setSuggestedPrompts')[0], 3000, 'the suggested prompts');
    expect(call.args).toMatchObject({ channel_id: 'D1' });
    // An agent app's call with thread_ts would silently do nothing.
    expect(call.args).not.toHaveProperty('thread_ts');
    expect(t.slack.suggestedPrompts.get('D1')!.map((p) => p.message)).toEqual([
      'How do I request leave?',
      'Where is the VPN guide?',
      'Who approves expenses?',
      'What are the office hours?',
    ]);
    await t.slack.waitFor(() => t.slack.replies('D1', '1790000400.000100')[0], 3000, 'the opening statement');
    expect(t.slack.replies('D1', '1790000400.000100')[0]!.text).toBe('Hi! I know the handbook.');
  });
});

describe('a new DM', () => {
  it('is greeted once with the opening statement and suggested questions that ask when pressed', async () => {
    const opened = { type: 'app_home_opened', user: 'UALICE', channel: 'D1', tab: 'messages', event_ts: '1790000500.000100' };
    await t.sendEvent(opened);
    const greeting = await t.slack.waitFor(() => t.slack.replies('D1', undefined)[0], 3000, 'the greeting');
    expect(greeting.text).toBe('Hi! I know the handbook.');
    // Slack's own prompts above the composer, set the way an agent app must (no thread_ts).
    await t.slack.waitFor(() => t.slack.suggestedPrompts.get('D1'), 3000, 'the suggested prompts');
    expect(t.slack.suggestedPrompts.get('D1')!.map((p) => p.title)).toEqual([
      'How do I request leave?',
      'Where is the VPN guide?',
      'Who approves expenses?',
      'What are the office hours?',
    ]);
    await t.sendEvent({ ...opened, event_ts: '1790000501.000100' });
    await settled(t);
    expect(t.slack.replies('D1', undefined)).toHaveLength(1);
    expect(t.slack.callsTo('assistant.threads.setSuggestedPrompts')).toHaveLength(1);
    await t.press(greeting, 'dify_suggest_0');
    await settled(t);
    expect(t.slack.replies('D1', undefined).map((m) => m.text)).toEqual([
      'Hi! I know the handbook.',
      '<@UALICE> asked: How do I request leave?',
      'You said: How do I request leave?',
    ]);
  });
});
