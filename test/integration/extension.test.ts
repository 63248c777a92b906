import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

const KEY = 'ext-key-0123456789';
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** POSTs like Dify's requestor: raw body as given, Bearer key, its User-Agent. */
async function call(
  body: string,
  opts: { key?: string | null; path?: string; ua?: string; type?: string } = {},
): Promise<{ status: number; text: string; json: any }> {
  const headers: Record<string, string> = { 'content-type': opts.type ?? 'application/json', 'user-agent': opts.ua ?? 'python-httpx/0.28.1', accept: '*/*' };
  if (opts.key !== null) headers['authorization'] = `Bearer ${opts.key ?? KEY}`;
  const res = await fetch(`${t!.base}${opts.path ?? '/api/dify/receive'}`, { method: 'POST', headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

const withKey = (extra: Record<string, string> = {}) => startTestBridge({ env: { EXTENSION_API_KEY: KEY, ...extra } });

describe('the extension route', () => {
  it('is not served without EXTENSION_API_KEY', async () => {
    t = await startTestBridge();
    expect((await call('{"point":"ping","params":{}}')).status).toBe(404);
  });

  it('answers ping with exactly {"result":"pong"}, whatever the JSON spacing, User-Agent or params', async () => {
    t = await withKey();
    for (const [body, ua] of [
      ['{"point":"ping","params":{}}', 'python-httpx/0.28.1'],
      ['{"point": "ping", "params": {}}', 'python-requests/2.31.0'],
      ['{"params": {}, "point": "ping"}', 'curl/8'],
      ['{"point":"ping"}', 'anything'],
    ]) {
      const r = await call(body!, { ua: ua! });
      expect(r.status).toBe(200);
      expect(r.text).toBe('{"result":"pong"}');
    }
  });

  it('serves a configured EXTENSION_PATH', async () => {
    t = await withKey({ EXTENSION_PATH: '/hooks/dify' });
    expect((await call('{"point":"ping"}', { path: '/hooks/dify' })).text).toBe('{"result":"pong"}');
    expect((await call('{"point":"ping"}')).status).toBe(404);
  });

  it('refuses a missing or wrong key with 401 JSON, and never logs the key', async () => {
    t = await withKey();
    const none = await call('{"point":"ping"}', { key: null });
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ error: 'unauthorized', message: 'Missing or wrong API key (Authorization: Bearer <key>)' });
    expect((await call('{"point":"ping"}', { key: 'ext-key-0123456788' })).status).toBe(401);
    expect((await call('{"point":"ping"}', { key: `${KEY}extra` })).status).toBe(401);
    expect(JSON.stringify(t.logs)).not.toContain(KEY);
  });

  it('answers bad input with a JSON error: 400 for bad JSON, point or params, 413 past 1 MB', async () => {
    t = await withKey();
    expect(await call('{"point": ')).toMatchObject({ status: 400, json: { error: 'invalid_json' } });
    expect(await call('[1,2]')).toMatchObject({ status: 400, json: { error: 'invalid_json' } });
    expect(await call('{"params": {}}')).toMatchObject({ status: 400, json: { error: 'invalid_request', message: 'point is missing (expected a string)' } });
    expect(await call('{"point": "ping", "params": [1]}')).toMatchObject({ status: 400, json: { message: 'params must be a JSON object' } });
    expect(await call('{"point": "app.moderation.output", "params": {}}')).toMatchObject({
      status: 400,
      json: { error: 'invalid_params', message: 'params.text is missing (expected a string)' },
    });
    expect(await call('{"point": "app.rewrite", "params": {}}')).toMatchObject({
      status: 400,
      json: {
        error: 'unknown_point',
        message: 'Unknown point "app.rewrite" (supported: ping, app.external_data_tool.query, app.moderation.input, app.moderation.output)',
      },
    });
    const big = JSON.stringify({ point: 'app.moderation.output', params: { app_id: 'a', text: 'x'.repeat(1024 * 1024) } });
    expect(await call(big)).toMatchObject({ status: 413, json: { error: 'body_too_large' } });
  });
});

describe('moderation', () => {
  const config = {
    apps: { bot: { type: 'chat', apiKey: 'app-test-key' } },
    moderation: {
      block: [{ keywords: ['project falcon', '機密'], patterns: ['\\bsalary of \\w+'], response: 'I cannot discuss that.' }],
      redact: { presets: ['slack_tokens', 'api_keys', 'emails', 'card_numbers'], patterns: ['\\b\\d{3}-\\d{2}-\\d{4}\\b'], replacement: '[redacted]' },
    },
  };

  it('blocks input with a configured keyword or pattern (direct_output), checking every input and the query', async () => {
    t = await startTestBridge({ env: { EXTENSION_API_KEY: KEY, DIFY_API_KEY: '' }, bridgeConfig: config });
    const blocked = await call(
      JSON.stringify({ point: 'app.moderation.input', params: { app_id: 'a', inputs: { topic: 'Tell me about Project Falcon' }, query: 'hi' } }),
    );
    expect(blocked).toMatchObject({
      status: 200,
      json: {
        flagged: true,
        action: 'direct_output',
        preset_response: 'I cannot discuss that.',
        inputs: { topic: 'Tell me about Project Falcon' },
        query: 'hi',
      },
    });
    expect((await call(JSON.stringify({ point: 'app.moderation.input', params: { query: 'これは機密です' } }))).json).toMatchObject({
      flagged: true,
      action: 'direct_output',
    });
    expect((await call(JSON.stringify({ point: 'app.moderation.input', params: { query: 'what is the salary of Bob?' } }))).json.flagged).toBe(true);
  });

  it('redacts secrets and personal data (overridden) and passes clean text unflagged', async () => {
    t = await startTestBridge({ env: { EXTENSION_API_KEY: KEY, DIFY_API_KEY: '' }, bridgeConfig: config });
    const r = await call(
      JSON.stringify({
        point: 'app.moderation.input',
        params: {
          app_id: 'a',
          inputs: { n: 3, note: 'mail me at jo@example.com' },
          query: 'my token is xoxb-123456789012-abcdefghijkl, card 4111 1111 1111 1111, SSN 123-45-6789, order 1234 5678 9012 3456',
        },
      }),
    );
    expect(r.json).toEqual({
      flagged: true,
      action: 'overridden',
      preset_response: '',
      inputs: { n: 3, note: 'mail me at [redacted]' },
      query: 'my token is [redacted], card [redacted], SSN [redacted], order 1234 5678 9012 3456',
    });
    const out = await call(
      JSON.stringify({
        point: 'app.moderation.output',
        params: { app_id: 'a', text: 'Use Authorization: Bearer abcdefghijklmnop1234 and sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX' },
      }),
    );
    expect(out.json).toEqual({ flagged: true, action: 'overridden', preset_response: '', text: 'Use Authorization: Bearer [redacted] and [redacted]' });
    const clean = await call(JSON.stringify({ point: 'app.moderation.output', params: { text: 'All good here.' } }));
    expect(clean.json).toEqual({ flagged: false, action: 'direct_output', preset_response: '', text: 'All good here.' });
  });

  it('redacts Slack and API tokens by default', async () => {
    t = await withKey();
    const r = await call(JSON.stringify({ point: 'app.moderation.output', params: { text: 'key app-ABCDEFGHIJKLMNOPQRSTUV, mail a@b.co' } }));
    expect(r.json).toEqual({ flagged: true, action: 'overridden', preset_response: '', text: 'key [redacted], mail a@b.co' });
  });
});

describe('Slack context as external data', () => {
  const contextForm = [
    { 'text-input': { variable: 'slack_team_id', label: 'team', required: false } },
    { 'text-input': { variable: 'slack_channel_id', label: 'channel', required: false } },
    { 'text-input': { variable: 'slack_thread_ts', label: 'thread', required: false } },
    { 'text-input': { variable: 'slack_user_id', label: 'user', required: false } },
    { 'text-input': { variable: 'slack_user_name', label: 'user name', required: false } },
  ];

  async function conversation(env: Record<string, string> = {}) {
    t = await startTestBridge({
      env: { EXTENSION_API_KEY: KEY, DIFY_API_KEY: '', ...env },
      bridgeConfig: { apps: { bot: { type: 'chat', apiKey: 'ctx-key' } }, context: { threadMaxChars: 4000 } },
    });
    t.dify.apps.set('ctx-key', { mode: 'chat', name: 'Context bot', form: contextForm });
    // The chat handler runs for this key too (the fake routes chat by mode).
    const { ts } = await t.mention('What is the status of the <@UBOB> migration?');
    await settled(t);
    await t.message('And the rollback plan?', { threadTs: ts, user: 'UBOB' });
    await settled(t);
    return ts;
  }

  it('passes the Slack context inputs the app declares into every run', async () => {
    const ts = await conversation();
    const [first, second] = t!.dify.chatRequests();
    expect(first!.body['inputs']).toEqual({
      slack_team_id: 'T1',
      slack_channel_id: 'C1',
      slack_thread_ts: ts,
      slack_user_id: 'UALICE',
      slack_user_name: 'Alice',
    });
    expect(second!.body['inputs']).toMatchObject({ slack_thread_ts: ts, slack_user_id: 'UBOB', slack_user_name: 'Bob Stone' });
  });

  it('returns the thread transcript from what the bridge saw, without calling Slack', async () => {
    const ts = await conversation();
    const inputs = t!.dify.chatRequests()[1]!.body['inputs'];
    const r = await call(
      JSON.stringify({
        point: 'app.external_data_tool.query',
        params: { app_id: 'x', tool_variable: 'slack_thread', inputs, query: 'And the rollback plan?' },
      }),
    );
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      result: [
        'Alice: What is the status of the @Bob Stone migration?',
        'Dify: You said: What is the status of the @Bob Stone migration?',
        'Bob Stone: And the rollback plan?',
        'Dify: You said: And the rollback plan?',
      ].join('\n'),
    });
    expect(t!.slack.callsTo('conversations.replies')).toHaveLength(0);
    void ts;
  });

  it('reads the thread from Slack once after a restart, then from its cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ext-'));
    await conversation({ STORE_URL: `sqlite:${join(dir, 'bridge.db')}` });
    const inputs = t!.dify.chatRequests()[1]!.body['inputs'];
    await t!.restart();
    const body = JSON.stringify({ point: 'app.external_data_tool.query', params: { app_id: 'x', tool_variable: 'slack_thread', inputs, query: '' } });
    const first = await call(body);
    const second = await call(body);
    expect(first.json.result).toBe(second.json.result);
    expect(first.json.result).toMatch(/^Alice: What is the status of the @Bob Stone migration\?\nDify: You said: /);
    expect(t!.slack.callsTo('conversations.replies')).toHaveLength(1);
  });

  it('trims the transcript to the configured size, keeping the newest lines', async () => {
    t = await startTestBridge({
      env: { EXTENSION_API_KEY: KEY, DIFY_API_KEY: '' },
      bridgeConfig: { apps: { bot: { type: 'chat', apiKey: 'ctx-key' } }, context: { threadMaxChars: 200 } },
    });
    t.dify.apps.set('ctx-key', { mode: 'chat', name: 'Context bot', form: contextForm });
    const { ts } = await t.mention(`first ${'a'.repeat(80)}`);
    await settled(t);
    await t.message(`second ${'b'.repeat(40)}`, { threadTs: ts });
    await settled(t);
    const inputs = t.dify.chatRequests()[1]!.body['inputs'];
    const r = await call(JSON.stringify({ point: 'app.external_data_tool.query', params: { tool_variable: 'slack_thread', inputs } }));
    expect(r.json.result.length).toBeLessThanOrEqual(200);
    expect(r.json.result).toMatch(/second b+\nDify: You said: second b+$/);
    expect(r.json.result).not.toContain('first');
  });

  it('describes the asker and the channel', async () => {
    await conversation();
    const inputs = t!.dify.chatRequests()[0]!.body['inputs'];
    const user = await call(JSON.stringify({ point: 'app.external_data_tool.query', params: { tool_variable: 'slack_user', inputs } }));
    expect(user.json.result).toMatch(
      /^Name: Alice\nTitle: Site reliability engineer\nTime zone: Europe\/Paris, Central European Time \(UTC\+01:00\)\nLocal time: \w+day \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/,
    );
    const channel = await call(JSON.stringify({ point: 'app.external_data_tool.query', params: { tool_variable: 'slack_channel', inputs } }));
    expect(channel.json.result).toBe('Channel: #general\nTopic: Company-wide announcements\nPurpose: Everything that concerns everyone');
    // Cached: a second question costs no Slack call.
    await call(JSON.stringify({ point: 'app.external_data_tool.query', params: { tool_variable: 'slack_channel', inputs } }));
    expect(t!.slack.callsTo('conversations.info')).toHaveLength(1);
  });

  it('describes only channels and people of the bridge’s own runs (Dify cannot be used to read another channel)', async () => {
    await conversation();
    const inputs = t!.dify.chatRequests()[1]!.body['inputs'] as Record<string, string>;
    const ask = (tool: string, over: Record<string, string>) =>
      call(JSON.stringify({ point: 'app.external_data_tool.query', params: { app_id: 'x', tool_variable: tool, inputs: { ...inputs, ...over } } }));
    t!.slack.channels.set('CSECRET', { id: 'CSECRET', name: 'board', is_im: false, topic: { value: 'Acquisitions' } });
    expect((await ask('slack_thread', { slack_channel_id: 'CSECRET', slack_thread_ts: '1790000000.000100' })).json).toEqual({ result: '' });
    expect((await ask('slack_channel', { slack_channel_id: 'CSECRET' })).json).toEqual({ result: '' });
    expect((await ask('slack_user', { slack_user_id: 'UCEO' })).json).toEqual({ result: '' });
    expect(t!.slack.callsTo('conversations.replies')).toHaveLength(0);
    expect(t!.slack.callsTo('conversations.info')).toHaveLength(0);
    expect(t!.logs.some((l) => String(l['msg']).includes('the bridge never ran the app bot for this channel (CSECRET)'))).toBe(true);
    // The channel and the person of the run itself are described.
    expect((await ask('slack_channel', {})).json.result).toContain('Channel: #general');
  });

  it('answers "" for runs without Slack context, and 400 for an unknown tool_variable', async () => {
    t = await withKey();
    expect((await call(JSON.stringify({ point: 'app.external_data_tool.query', params: { tool_variable: 'slack_thread', inputs: {} } }))).text).toBe(
      '{"result":""}',
    );
    expect(await call(JSON.stringify({ point: 'app.external_data_tool.query', params: { tool_variable: 'weather', inputs: {} } }))).toMatchObject({
      status: 400,
      json: { error: 'unknown_tool_variable', message: 'Unknown tool_variable "weather" (supported: slack_thread, slack_user, slack_channel)' },
    });
  });

  it('needs no slack_team_id with one workspace: an app declaring only channel, thread and user gets its context', async () => {
    t = await startTestBridge({ env: { EXTENSION_API_KEY: KEY, DIFY_API_KEY: '' }, bridgeConfig: { apps: { bot: { type: 'chat', apiKey: 'ctx-key' } } } });
    t.dify.apps.set('ctx-key', { mode: 'chat', name: 'Context bot', form: contextForm.filter((f) => f['text-input'].variable !== 'slack_team_id') });
    await t.mention('What is the status of the migration?');
    await settled(t);
    const inputs = t.dify.chatRequests()[0]!.body['inputs'] as Record<string, unknown>;
    expect(inputs['slack_team_id']).toBeUndefined();
    const query = (tool: string) =>
      call(JSON.stringify({ point: 'app.external_data_tool.query', params: { app_id: 'dify-app-1', tool_variable: tool, inputs } }));
    expect((await query('slack_thread')).json.result).toBe('Alice: What is the status of the migration?\nDify: You said: What is the status of the migration?');
    expect((await query('slack_user')).json.result).toMatch(/^Name: Alice\n/);
    expect((await query('slack_channel')).json.result).toMatch(/^Channel: #general/);
  });

  it('says once per app and tool which input is missing when a tool answers empty', async () => {
    t = await withKey();
    const query = (app: string, tool: string, inputs: Record<string, unknown>) =>
      call(JSON.stringify({ point: 'app.external_data_tool.query', params: { app_id: app, tool_variable: tool, inputs } }));
    for (let i = 0; i < 3; i++) expect((await query('dify-app-1', 'slack_thread', { slack_channel_id: 'C1' })).json).toEqual({ result: '' });
    await query('dify-app-1', 'slack_user', { slack_channel_id: 'C1' });
    await query('dify-app-2', 'slack_thread', { slack_channel_id: 'C1' });
    await query('dify-app-1', 'slack_channel', { slack_channel_id: 'not an id' });
    const warnings = t.logs.filter((l) => l['level'] === 40 && String(l['msg']).startsWith('Slack context tool'));
    expect(warnings.map((w) => [w['dify_app_id'], w['tool'], w['msg']])).toEqual([
      [
        'dify-app-1',
        'slack_thread',
        "Slack context tool slack_thread answered empty: the app's run has no slack_thread_ts; add slack_thread_ts as an input in the app (text, optional): the bridge fills it",
      ],
      [
        'dify-app-1',
        'slack_user',
        "Slack context tool slack_user answered empty: the app's run has no slack_user_id; add slack_user_id as an input in the app (text, optional): the bridge fills it",
      ],
      [
        'dify-app-2',
        'slack_thread',
        "Slack context tool slack_thread answered empty: the app's run has no slack_thread_ts; add slack_thread_ts as an input in the app (text, optional): the bridge fills it",
      ],
      [
        'dify-app-1',
        'slack_channel',
        "Slack context tool slack_channel answered empty: input slack_channel_id is not a Slack id; check that the app passes the bridge's value of slack_channel_id unchanged",
      ],
    ]);
  });
});
