import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeDify, WorkflowEvents, writeSse } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';
import { ApprovalFlow, approveForm } from '../support/human-input-flow.js';
import { TestRedis } from '../support/redis-server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const redis = new TestRedis();
beforeAll(async () => {
  await redis.start();
});
afterAll(async () => {
  await redis.stop();
});

const ackText = (body: string) => {
  const b = JSON.parse(body) as { text?: string; blocks?: Array<{ text: string }> };
  return b.blocks?.[0]?.text ?? b.text ?? '';
};

/** A guest, and someone from another organisation in a Slack Connect channel. */
function addPeople(slack: FakeSlack): void {
  slack.users.set('UGUEST', { id: 'UGUEST', name: 'gus', team_id: 'T1', is_restricted: true, profile: { display_name: 'Gus' } });
  slack.users.set('UEXT', { id: 'UEXT', name: 'ext', team_id: 'T9OTHER', profile: { display_name: 'Ext' } });
  slack.users.set('UCAROL', { id: 'UCAROL', name: 'carol', team_id: 'T1', profile: { display_name: 'Carol' } });
  slack.userGroups.set('S0SUP', { handle: 'support', users: ['UCAROL'] });
  // The scope npm run manifest asks for when a configuration names a group.
  slack.grantedScopes.push('usergroups:read');
  slack.channels.set('C2', { id: 'C2', name: 'finance', is_im: false });
}

const policyConfig = {
  apps: {
    helpdesk: { type: 'chat', apiKey: 'app-test-key', access: { users: ['UALICE'], userGroups: ['@support'] } },
    finance: { type: 'workflow', apiKey: 'app-finance', command: '/finance', access: { channels: ['C2'] } },
    open: { type: 'workflow', apiKey: 'app-open' },
  },
  chat: { default: 'helpdesk' },
};

async function policyBridge(over: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<TestBridge> {
  const t = await startTestBridge({ bridgeConfig: { ...policyConfig, ...over }, env: { DIFY_API_KEY: '', ...env } });
  cleanups.push(() => t.close());
  addPeople(t.slack);
  for (const [key, name] of [
    ['app-finance', 'Finance'],
    ['app-open', 'Open'],
  ] as const) {
    t.dify.apps.set(key, {
      mode: 'workflow',
      name,
      form: [{ 'text-input': { variable: 'q', label: 'Question', required: true } }],
      onRun: (_req, res) => writeSse(res, [new WorkflowEvents().finished('succeeded', { answer: `${name} ran.` })]),
    });
  }
  return t;
}

const difyRuns = (t: TestBridge) =>
  t.dify.requests.filter((r) => r.method === 'POST' && /^\/v1\/(chat-messages|workflows\/run|completion-messages)$/.test(r.path));

describe('the access policy, on every surface', () => {
  it('mentions and thread replies: a listed person and a member of a listed group are answered; anyone else is refused privately, with no Dify call', async () => {
    const t = await policyBridge();
    const refused = await t.mention('hello', { user: 'UBOB' });
    await settled(t);
    expect(t.slack.replies('C1', refused.ts)).toEqual([]);
    expect(t.slack.ephemerals).toEqual([
      { channel: 'C1', user: 'UBOB', thread_ts: refused.ts, text: '`helpdesk` is limited to certain people; ask the operator of this bot for access.' },
    ]);
    expect(difyRuns(t)).toHaveLength(0);
    const ok = await t.mention('hello', { user: 'UALICE' });
    const viaGroup = await t.mention('hello', { user: 'UCAROL' });
    await settled(t);
    expect(t.slack.replies('C1', ok.ts)[0]!.text).toBe('You said: hello');
    expect(t.slack.replies('C1', viaGroup.ts)[0]!.text).toBe('You said: hello');
    // Bob replies in Alice's thread: refused too (the thread does not open the app to him).
    await t.message('me too', { threadTs: ok.ts, user: 'UBOB' });
    await settled(t);
    expect(difyRuns(t)).toHaveLength(2);
    expect(t.slack.ephemerals.at(-1)).toMatchObject({ user: 'UBOB', thread_ts: ok.ts });
    // Logged at info with the reason, counted in /metrics.
    expect(t.logs.find((l) => l['msg'] === 'request refused by the access policy')).toMatchObject({
      reason: 'user',
      app: 'helpdesk',
      surface: 'mention',
      user: 'UBOB',
    });
    expect(JSON.stringify(t.logs.filter((l) => l['msg'] === 'request refused by the access policy'))).not.toContain('hello');
    const metrics = await (await fetch(`${t.base}/metrics`)).text();
    expect(metrics).toMatch(/bridge_refusals_total\{reason="user"\} 2/);
  });

  it('guests and people from other organisations are refused unless the app allows them', async () => {
    const t = await policyBridge({
      apps: {
        ...policyConfig.apps,
        helpdesk: { type: 'chat', apiKey: 'app-test-key', access: { users: ['UGUEST', 'UEXT', 'UALICE'] } },
      },
    });
    await t.mention('hi', { user: 'UGUEST' });
    await t.mention('hi', { user: 'UEXT' });
    await settled(t);
    expect(t.slack.ephemerals.map((e) => [e.user, e.text])).toEqual([
      ['UGUEST', '`helpdesk` is not available to guests of this workspace.'],
      ['UEXT', '`helpdesk` is not available to people from other organisations in shared channels.'],
    ]);
    expect(difyRuns(t)).toHaveLength(0);
    await t.close();
    cleanups.pop();
    const open = await policyBridge({
      apps: { ...policyConfig.apps, helpdesk: { type: 'chat', apiKey: 'app-test-key', access: { guests: true, external: true } } },
    });
    const g = await open.mention('hi', { user: 'UGUEST' });
    const x = await open.mention('hi', { user: 'UEXT' });
    await settled(open);
    expect(open.slack.replies('C1', g.ts)[0]!.text).toBe('You said: hi');
    expect(open.slack.replies('C1', x.ts)[0]!.text).toBe('You said: hi');
  });

  it('slash commands: an app limited to a channel refuses elsewhere (also by its own command), help lists only what the person may use', async () => {
    const t = await policyBridge();
    const here = await t.command('finance what is our burn?', { channel: 'C1' });
    expect(ackText(here.body)).toBe('`finance` is limited to <#C2>; ask there, or ask the operator of this bot for access.');
    const own = await t.command('what is our burn?', { command: '/finance', channel: 'C1' });
    expect(ackText(own.body)).toContain('`finance` is limited to <#C2>');
    const form = await t.command('finance', { channel: 'C1' });
    expect(ackText(form.body)).toContain('`finance` is limited to <#C2>');
    expect(t.slack.views).toHaveLength(0);
    expect(difyRuns(t)).toHaveLength(0);
    await t.command('finance what is our burn?', { channel: 'C2' });
    await settled(t);
    expect(difyRuns(t)).toHaveLength(1);
    // help: Bob in C1 sees only the open app; Alice in C2 sees all three.
    const bobHelp = ackText((await t.command('help', { channel: 'C1', user: 'UBOB' })).body);
    expect(bobHelp).toContain('**open**');
    expect(bobHelp).not.toContain('**finance**');
    expect(bobHelp).not.toContain('**helpdesk**');
    const aliceHelp = ackText((await t.command('help', { channel: 'C2', user: 'UALICE' })).body);
    for (const name of ['open', 'finance', 'helpdesk']) expect(aliceHelp).toContain(`**${name}**`);
  });

  it('DMs: the policy applies there too, and "dms": false answers with where the bot can be used', async () => {
    const t = await policyBridge();
    await t.message('hi', { channel: 'D1', channelType: 'im', user: 'UBOB' });
    await settled(t);
    expect(t.slack.messages.map((m) => m.text)).toEqual(['`helpdesk` is limited to certain people; ask the operator of this bot for access.']);
    await t.close();
    cleanups.pop();
    const off = await policyBridge({ dms: false });
    await off.message('hi', { channel: 'D1', channelType: 'im', user: 'UALICE' });
    await settled(off);
    expect(off.slack.messages.map((m) => m.text)).toEqual([
      "I don't answer direct messages here. Mention me in a channel I'm in (`@Dify your question`), or use `/dify` there.",
    ]);
    expect(difyRuns(off)).toHaveLength(0);
    // Channels still work.
    const m = await off.mention('hello', { user: 'UALICE' });
    await settled(off);
    expect(off.slack.replies('C1', m.ts)[0]!.text).toBe('You said: hello');
  });

  it('buttons: a follow-up pressed by someone the app is closed to is refused; a form answer too', async () => {
    const t = await policyBridge({
      apps: { ...policyConfig.apps, helpdesk: { type: 'chat', apiKey: 'app-test-key', access: { users: ['UALICE'] }, humanInput: { approvers: 'anyone' } } },
    });
    t.dify.chatMode = 'advanced-chat';
    ApprovalFlow.chatflow(t.dify, { before: 'Draft.', forms: [approveForm()], after: () => ' Done.' });
    const { ts } = await t.mention('refund', { user: 'UALICE' });
    const form = await t.slack.waitFor(
      () => t.slack.replies('C1', ts).find((m) => (m.blocks ?? []).some((b) => b['block_id'] === 'dify_form_0')),
      5000,
      'the form',
    );
    const { responseId } = await t.press(form, 'dify_form_0', { user: 'UBOB' });
    const said = await t.slack.waitFor(() => t.slack.responsesTo(responseId)[0], 3000, 'the refusal');
    expect(said.body).toMatchObject({ text: '`helpdesk` is limited to certain people; ask the operator of this bot for access.' });
    expect(t.dify.requests.some((r) => r.path.startsWith('/v1/form/'))).toBe(false);
    // A follow-up question button, pressed by Bob under Alice's answer: refused privately, nothing asked.
    const suggestion = {
      channel: 'C1',
      ts: form.ts,
      thread_ts: ts,
      blocks: [
        {
          type: 'actions',
          block_id: 'dify_suggestions',
          elements: [
            { type: 'button', action_id: 'dify_suggest_0', text: { type: 'plain_text', text: 'And refunds?' }, value: JSON.stringify({ q: 'And refunds?' }) },
          ],
        },
      ],
    };
    const before = difyRuns(t).length;
    await t.press(suggestion, 'dify_suggest_0', { user: 'UBOB' });
    await t.slack.waitFor(() => t.slack.ephemerals.find((e) => e.user === 'UBOB'), 3000, 'the private refusal');
    await settled(t);
    expect(difyRuns(t)).toHaveLength(before);
    expect(t.logs.some((l) => l['msg'] === 'request refused by the access policy' && l['surface'] === 'follow-up')).toBe(true);
  });
});

describe('quotas', () => {
  it('count a submitted form, not the form opening, and refuse the submission past the limit', async () => {
    const t = await policyBridge({ apps: { ...policyConfig.apps, open: { type: 'workflow', apiKey: 'app-open', limits: { perUser: '1/day' } } } });
    const submit = () => t.submitView({ q: { value: { type: 'plain_text_input', value: 'go' } } });
    await t.command('open');
    await t.slack.waitFor(() => t.slack.views[0], 2000, 'the form');
    expect((await submit()).body).toBe('');
    await settled(t);
    expect(difyRuns(t)).toHaveLength(1);
    await t.command('open');
    await t.slack.waitFor(() => t.slack.views[1], 2000, 'the second form');
    await submit();
    await settled(t);
    expect(difyRuns(t)).toHaveLength(1);
    expect(t.logs.some((l) => l['msg'] === 'request refused by the access policy' && l['surface'] === 'form' && l['reason'] === 'quota_user')).toBe(true);
  });

  it('hold across two replicas on Redis, say when the person can ask again, and do not count buttons', async () => {
    const slack = await new FakeSlack().start();
    const dify = await new FakeDify().start();
    cleanups.push(
      () => slack.close(),
      () => dify.close(),
    );
    const config = { apps: { default: { type: 'chat', apiKey: 'app-test-key' } }, limits: { perUser: '2/hour' } };
    const a = await startTestBridge({ slack, dify, bridgeConfig: config, env: { STORE_URL: redis.url, DIFY_API_KEY: '' } });
    cleanups.push(() => a.close());
    const b = await startTestBridge({ slack, dify, bridgeConfig: config, env: { STORE_URL: redis.url, DIFY_API_KEY: '' } });
    cleanups.push(() => b.close());
    const first = await a.mention('one');
    await settled(a);
    await b.mention('two');
    await settled(b);
    const third = await a.mention('three');
    await settled(a);
    expect(dify.chatRequests()).toHaveLength(2);
    expect(slack.replies('C1', third.ts)).toEqual([]);
    expect(slack.ephemerals.at(-1)!.text).toMatch(
      /^You have reached your limit of 2\/hour requests\. You can ask again <!date\^\d+\^\{date_short_pretty\} at \{time\}\|.+ UTC>\.$/,
    );
    // Someone else still may; a Stop or feedback press is not a request.
    await b.mention('four', { user: 'UBOB' });
    await settled(b);
    expect(dify.chatRequests()).toHaveLength(3);
    const answer = slack.replies('C1', first.ts)[0]!;
    await a.press(answer, 'dify_feedback', { choice: 'positive' });
    await settled(a);
    expect(dify.requests.filter((r) => r.path.endsWith('/feedbacks'))).toHaveLength(1);
    const metrics = await (await fetch(`${a.base}/metrics`)).text();
    expect(metrics).toMatch(/bridge_refusals_total\{reason="quota_user"\} 1/);
  });
});

describe('channel behaviours', () => {
  it('"respond": "all" answers a channel’s top-level messages without a mention, but not those addressed to someone, nor threads it is not in', async () => {
    const t = await startTestBridge({
      bridgeConfig: {
        apps: { default: { type: 'chat', apiKey: 'app-test-key' } },
        chat: { default: 'default', channels: { C3: { app: 'default', respond: 'all' } } },
      },
      env: { DIFY_API_KEY: '' },
    });
    cleanups.push(() => t.close());
    const asked = await t.message('how do I reset my password?', { channel: 'C3' });
    const toBob = await t.message('<@UBOB> can you look at this?', { channel: 'C3' });
    const elsewhere = await t.message('how do I reset my password?', { channel: 'C1' });
    await t.message('a reply in a thread the bot is not in', { channel: 'C3', threadTs: '1790000000.000001' });
    await settled(t);
    expect(t.slack.replies('C3', asked.ts).map((m) => m.text)).toEqual(['You said: how do I reset my password?']);
    expect(t.slack.replies('C3', toBob.ts)).toEqual([]);
    expect(t.slack.replies('C1', elsewhere.ts)).toEqual([]);
    expect(t.dify.chatRequests()).toHaveLength(1);
    // The thread it answered is now the bot's: a follow-up there is answered.
    await t.message('and my 2FA?', { channel: 'C3', threadTs: asked.ts });
    await settled(t);
    expect(t.slack.replies('C3', asked.ts).map((m) => m.text)).toContain('You said: and my 2FA?');
  });

  it('summoned into a thread, the app gets the thread so far: in its slack_thread input when it declares one; not at all with threadContext none', async () => {
    const t = await startTestBridge({
      bridgeConfig: {
        apps: { helper: { type: 'chat', apiKey: 'app-helper' }, plain: { type: 'chat', apiKey: 'app-test-key' } },
        chat: { default: 'helper', channels: { C4: { app: 'plain', threadContext: 'none' } } },
      },
      env: { DIFY_API_KEY: '' },
    });
    cleanups.push(() => t.close());
    t.dify.apps.set('app-helper', { mode: 'chat', name: 'Helper', form: [{ paragraph: { variable: 'slack_thread', label: 'Thread', required: false } }] });
    const root = await t.message('the deploy failed at 3am', { user: 'UBOB' });
    await t.message('<@UBOB> was it the migration?', { threadTs: root.ts });
    await t.mention('what went wrong here?', { threadTs: root.ts });
    await settled(t);
    const [req] = t.dify.chatRequests();
    expect(req!.body['query']).toBe('what went wrong here?');
    expect((req!.body['inputs'] as Record<string, string>)['slack_thread']).toBe(
      'Bob Stone: the deploy failed at 3am\nAlice: @Bob Stone was it the migration?',
    );
    // A channel that turns it off: the question alone.
    const other = await t.message('something else', { channel: 'C4', user: 'UBOB' });
    await t.mention('summarize', { channel: 'C4', threadTs: other.ts });
    await settled(t);
    expect(t.dify.chatRequests()[1]!.body['query']).toBe('summarize');
  });

  it('"answer": "private": the asker alone sees the complete answer, with 👍 / 👎 and Share, which posts it for everyone once', async () => {
    const t = await startTestBridge({
      bridgeConfig: {
        apps: { default: { type: 'chat', apiKey: 'app-test-key' } },
        chat: { default: 'default', channels: { C5: { app: 'default', answer: 'private' } } },
      },
      env: { DIFY_API_KEY: '' },
    });
    cleanups.push(() => t.close());
    t.slack.channels.set('C5', { id: 'C5', name: 'hr', is_im: false });
    const { ts } = await t.mention('what is my leave balance?', { channel: 'C5' });
    await settled(t);
    // Nothing public; one private message, complete, with its buttons.
    expect(t.slack.replies('C5', ts)).toEqual([]);
    expect(t.slack.callsTo('chat.update')).toHaveLength(0);
    const [mine] = t.slack.ephemerals;
    expect(mine).toMatchObject({ channel: 'C5', user: 'UALICE', thread_ts: ts, text: 'You said: what is my leave balance?' });
    const actions = (mine!.blocks ?? [])
      .flatMap((b) => (b['type'] === 'actions' ? (b['elements'] as Array<{ action_id: string }>) : []))
      .map((e) => e.action_id);
    expect(actions).toEqual(['dify_share', 'dify_feedback_like', 'dify_feedback_dislike']);
    const ephemeral = { channel: 'C5', ts: mine!.ts!, thread_ts: ts, blocks: mine!.blocks! };
    // 👍 reaches Dify; the choice is said privately (Slack cannot edit an ephemeral message).
    const like = await t.press(ephemeral, 'dify_feedback_like', { ephemeral: true });
    await t.slack.waitFor(() => t.slack.responsesTo(like.responseId)[0], 3000, 'the rating line');
    expect(t.dify.requests.filter((r) => r.path.endsWith('/feedbacks'))).toHaveLength(1);
    // Share posts it in the thread, as the bot, saying who shared it; a second press does not post it again.
    await t.press(ephemeral, 'dify_share', { ephemeral: true });
    await t.slack.waitFor(() => t.slack.replies('C5', ts)[0], 3000, 'the shared answer');
    expect(t.slack.replies('C5', ts).map((m) => m.text)).toEqual(['You said: what is my leave balance?\n\n_Shared by <@UALICE>_']);
    const again = await t.press(ephemeral, 'dify_share', { ephemeral: true });
    const said = await t.slack.waitFor(() => t.slack.responsesTo(again.responseId)[0], 3000, 'the line');
    expect(said.body).toMatchObject({ text: 'This answer was shared already, or is too old to share.' });
    expect(t.slack.replies('C5', ts)).toHaveLength(1);
  });

  it('rejects a policy mistake at start-up, one line each', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'bridge.json');
    writeFileSync(
      file,
      JSON.stringify({
        apps: {
          a: {
            type: 'chat',
            apiKey: 'k',
            access: { users: ['bob'], userGroups: ['oncall'], channels: ['general'], guests: 'no' },
            limits: { perUser: '30/week' },
          },
        },
        limits: { perChannel: '0/day' },
        dms: 'sometimes',
        chat: { channels: { C1: { app: 'a', respond: 'always' } } },
      }),
    );
    const result = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', BRIDGE_CONFIG: file });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    for (const where of [
      'apps.a.access.users.0',
      'apps.a.access.userGroups.0',
      'apps.a.access.channels.0',
      'apps.a.access.guests',
      'apps.a.limits.perUser',
      'limits.perChannel',
      'dms',
      'chat.channels.C1',
    ]) {
      expect(
        problems.some((p) => p.startsWith(`BRIDGE_CONFIG ${where}:`)),
        where,
      ).toBe(true);
    }
  });
});
