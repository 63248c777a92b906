import { afterEach, describe, expect, it } from 'vitest';
import { writeSse } from '../support/fake-dify.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Block = Record<string, unknown> & { elements?: Array<{ text?: string }> };
/** The context lines under an answer (its small print), by block id. */
const footer = (blocks: Array<Record<string, unknown>> | undefined) =>
  Object.fromEntries(
    ((blocks ?? []) as Block[])
      .filter((b) => b['type'] === 'context' && String(b['block_id']).startsWith('dify_footer_'))
      .map((b) => [String(b['block_id']).slice('dify_footer_'.length), b.elements?.[0]?.text ?? '']),
  );

describe('persona: each app answers with its own name and icon', () => {
  it("takes Dify's WebApp title and emoji icon, on the posts and on a native stream's start", async () => {
    t = await startTestBridge();
    t.dify.site = { title: 'Refund Helper', icon_type: 'emoji', icon: '🧾', custom_disclaimer: 'Answers may be wrong; check the policy page.' };
    const { ts } = await t.mention('how do refunds work?');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply).toMatchObject({ username: 'Refund Helper', icon: ':receipt:' });
    // The disclaimer is small print under the final answer, not part of it.
    expect(footer(reply!.blocks)).toEqual({ disclaimer: 'Answers may be wrong; check the policy page.' });
    expect(reply!.text).not.toContain('Answers may be wrong');
    // A DM thread streamed natively starts with the same identity (appendStream and stopStream take none).
    t.slack.nativeStreaming = true;
    t.dify.onChat = ({ events, res }) => writeSse(res, [events.message('Refunds '), events.message('take 5 days.'), events.messageEnd()], 150);
    const root = '1790000700.000100';
    await t.message('hello', { channel: 'D1', channelType: 'im', ts: '1790000700.000200', threadTs: root });
    await settled(t);
    expect(t.slack.callsTo('chat.startStream')[0]!.args).toMatchObject({ username: 'Refund Helper', icon_emoji: ':receipt:' });
    expect(t.slack.replies('D1', root)[0]).toMatchObject({ username: 'Refund Helper', icon: ':receipt:' });
  });

  it('BRIDGE_CONFIG persona wins over Dify; false keeps the bot’s own; an app without a WebApp answers as the bot', async () => {
    t = await startTestBridge({
      bridgeConfig: {
        apps: {
          hr: { type: 'chat', apiKey: 'app-hr', persona: { name: 'People Team', iconUrl: 'https://example.com/people.png' } },
          plain: { type: 'chat', apiKey: 'app-plain', persona: false },
          nosite: { type: 'chat', apiKey: 'app-nosite' },
        },
        chat: { default: 'hr', channels: { C2: 'plain', C3: 'nosite' } },
      },
    });
    t.dify.apps.set('app-hr', { mode: 'chat', name: 'HR bot' });
    t.dify.apps.set('app-plain', { mode: 'chat', name: 'Plain bot' });
    t.dify.apps.set('app-nosite', { mode: 'chat', name: 'No site', site: null });
    const hr = await t.mention('vacation policy?');
    const plain = await t.mention('hi', { channel: 'C2' });
    const nosite = await t.mention('hi', { channel: 'C3' });
    await settled(t);
    expect(t.slack.replies('C1', hr.ts)[0]).toMatchObject({ username: 'People Team', icon: 'https://example.com/people.png' });
    for (const [channel, ts] of [
      ['C2', plain.ts],
      ['C3', nosite.ts],
    ] as const) {
      const [reply] = t.slack.replies(channel, ts);
      expect(reply!.text).toBeTruthy();
      expect(reply!.username).toBeUndefined();
      expect(t.slack.callsTo('chat.postMessage').find((c) => c.args['channel'] === channel)!.args['username']).toBeUndefined();
    }
  });

  it('without chat:write.customize (an older install) Slack shows the bot (doctor.test.ts checks the note saying how to change that)', async () => {
    t = await startTestBridge();
    t.slack.grantedScopes.splice(t.slack.grantedScopes.indexOf('chat:write.customize'), 1);
    t.dify.site = { title: 'Refund Helper' };
    const { ts } = await t.mention('hello');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toBeTruthy();
    expect(reply!.username).toBeUndefined();
  });
});

describe('sources, tools and reasoning', () => {
  const resources = [
    { document_name: 'Refund policy', dataset_name: 'Policies', score: 0.93, doc_metadata: { url: 'https://wiki.example.com/refunds' } },
    { document_name: 'Refund policy', dataset_name: 'Policies', score: 0.71 },
    { document_name: 'FAQ <draft>', dataset_name: 'Support' },
  ];

  it('lists sources once each, linked, under an edited answer; a native stream also gets a Sources card with the links', async () => {
    t = await startTestBridge();
    t.dify.onChat = ({ events, res }) => writeSse(res, [events.message('Refunds take 5 days.'), events.messageEnd(resources)], 20);
    const { ts } = await t.mention('refunds?');
    await settled(t);
    const [reply] = t.slack.replies('C1', ts);
    expect(reply!.text).toBe('Refunds take 5 days.');
    expect(footer(reply!.blocks).sources).toBe('📚 *Sources:* 1. <https://wiki.example.com/refunds|Refund policy> (Policies) · 2. FAQ &lt;draft&gt; (Support)');

    t.slack.nativeStreaming = true;
    const root = '1790000800.000100';
    await t.message('refunds?', { channel: 'D1', channelType: 'im', ts: '1790000800.000200', threadTs: root });
    await settled(t);
    const [streamed] = t.slack.replies('D1', root);
    expect(streamed!.chunks).toContainEqual({
      type: 'task_update',
      id: 'dify_sources',
      title: 'Sources',
      status: 'complete',
      sources: [{ type: 'url', url: 'https://wiki.example.com/refunds', text: 'Refund policy' }],
    });
    expect(footer(streamed!.blocks).sources).toContain('<https://wiki.example.com/refunds|Refund policy>');
  });

  it('shows each tool call as a task card natively (input as details, observation as output) and as status, then "Used:", when editing', async () => {
    t = await startTestBridge();
    const script = (events: Parameters<TestBridge['dify']['onChat']>[0]['events']) => [
      events.agentThought('web_search', '', 1, 'thought-1', { query: 'refund window' }),
      events.agentThought('web_search', JSON.stringify({ web_search: 'Refunds: 30 days.\nExceptions: sale items.\nMore…\nEven more' }), 1, 'thought-1', {
        query: 'refund window',
      }),
      events.agentThought('calculator', '', 2, 'thought-2', { expression: '30-5' }),
      events.agentThought('calculator', '25', 2, 'thought-2', { expression: '30-5' }),
      events.agentMessage('You have 25 days left.'),
      events.messageEnd(),
    ];
    t.dify.onChat = ({ events, res }) => writeSse(res, script(events), 150);
    const { ts } = await t.mention('how long do I have?');
    await settled(t);
    const [edited] = t.slack.replies('C1', ts);
    expect(edited!.history).toContain('_Using web_search…_');
    expect(edited!.history).toContain('_Using calculator…_');
    expect(edited!.text).toBe('You have 25 days left.');
    expect(footer(edited!.blocks).tools).toBe('🛠 Used: web_search, calculator');

    t.slack.nativeStreaming = true;
    const root = '1790000900.000100';
    await t.message('how long?', { channel: 'D1', channelType: 'im', ts: '1790000900.000200', threadTs: root });
    await settled(t);
    const tasks = (t.slack.replies('D1', root)[0]!.chunks ?? []).filter((c) => c['type'] === 'task_update');
    expect(tasks).toEqual([
      { type: 'task_update', id: 'thought-1', title: 'web_search', status: 'in_progress', details: 'query: refund window' },
      {
        type: 'task_update',
        id: 'thought-1',
        title: 'web_search',
        status: 'complete',
        details: 'query: refund window',
        output: 'Refunds: 30 days.\nExceptions: sale items.\nMore…',
      },
      { type: 'task_update', id: 'thought-2', title: 'calculator', status: 'in_progress', details: 'expression: 30-5' },
      { type: 'task_update', id: 'thought-2', title: 'calculator', status: 'complete', details: 'expression: 30-5', output: '25' },
    ]);
    // Never mixed into the answer.
    expect(t.slack.replies('D1', root)[0]!.text).toBe('You have 25 days left.');
  });

  it('keeps reasoning out of answers: a Thinking card natively, nothing when editing, a quote with showReasoning', async () => {
    const reasoningScript = ({ events, res }: Parameters<TestBridge['dify']['onChat']>[0]) =>
      writeSse(
        res,
        [
          events.message('<think>\nThe user asks about'),
          events.message(' refunds. Policy says 30 days.\n</th'),
          events.message('ink>\n\nRefunds take **30 days**.'),
          events.messageEnd(),
        ],
        150,
      );
    t = await startTestBridge({
      bridgeConfig: {
        apps: { r1: { type: 'chat', apiKey: 'app-r1' }, shown: { type: 'chat', apiKey: 'app-shown', showReasoning: true } },
        chat: { default: 'r1', channels: { C2: 'shown' } },
      },
    });
    t.dify.apps.set('app-r1', { mode: 'chat', name: 'R1' });
    t.dify.apps.set('app-shown', { mode: 'chat', name: 'Shown' });
    t.dify.onChat = reasoningScript;
    const hidden = await t.mention('refunds?');
    const shown = await t.mention('refunds?', { channel: 'C2' });
    await settled(t);
    const [h] = t.slack.replies('C1', hidden.ts);
    expect(h!.text).toBe('Refunds take **30 days**.');
    for (const state of h!.history) expect(state).not.toMatch(/think|Policy says/);
    const [s] = t.slack.replies('C2', shown.ts);
    expect(s!.text).toBe('> _Thinking_\n> The user asks about refunds. Policy says 30 days.\n\nRefunds take **30 days**.');

    t.slack.nativeStreaming = true;
    const root = '1790001000.000100';
    await t.message('refunds?', { channel: 'D1', channelType: 'im', ts: '1790001000.000200', threadTs: root });
    await settled(t);
    const [n] = t.slack.replies('D1', root);
    expect(n!.text).toBe('Refunds take **30 days**.');
    for (const state of n!.history) expect(state).not.toMatch(/think|Policy says/);
    expect(n!.chunks).toEqual([
      { type: 'task_update', id: 'dify_reasoning', title: 'Thinking', status: 'in_progress' },
      { type: 'task_update', id: 'dify_reasoning', title: 'Thinking', status: 'complete', output: 'The user asks about refunds. Policy says 30 days.' },
    ]);
  });
});
