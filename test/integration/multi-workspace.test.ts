import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { settled, startTestBridge, type TestBridge } from '../support/harness.js';

let t: TestBridge | undefined;
let dir: string | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const ENCRYPTION_KEY = Buffer.alloc(32, 9).toString('base64');
const WORKSPACES = [
  { teamId: 'T1', teamName: 'Acme', token: 'xoxb-acme-111-secret', botUserId: 'UBOT' },
  { teamId: 'T2', teamName: 'Globex', token: 'xoxb-globex-222-secret', botUserId: 'UBOT2' },
];

async function multiBridge(extra: Record<string, string> = {}): Promise<TestBridge> {
  dir = mkdtempSync(join(tmpdir(), 'oauth-'));
  const b = await startTestBridge({
    env: {
      SLACK_BOT_TOKEN: '',
      SLACK_CLIENT_ID: '1111.2222',
      SLACK_CLIENT_SECRET: 'fake-client-secret-0123',
      SLACK_STATE_SECRET: 'state-secret-0123456789abcdef',
      SLACK_ENCRYPTION_KEY: ENCRYPTION_KEY,
      STORE_URL: `sqlite:${join(dir, 'bridge.db')}`,
      DIFY_API_KEY: '',
      ...extra,
    },
    bridgeConfig: {
      apps: { support: { type: 'chat', apiKey: 'app-support-key-0001' }, sales: { type: 'chat', apiKey: 'app-sales-key-00001' } },
      chat: { default: 'support' },
      workspaces: { T2: { chat: { default: 'sales' } } },
    },
  });
  b.dify.apps.set('app-support-key-0001', { mode: 'chat', name: 'Support' });
  b.dify.apps.set('app-sales-key-00001', { mode: 'chat', name: 'Sales' });
  return b;
}

/** Slack's install flow as a browser goes through it: /slack/install, Slack's consent page, back to the redirect. */
async function install(b: TestBridge, w: (typeof WORKSPACES)[number]): Promise<{ status: number; body: string }> {
  const code = `code-${w.teamId}`;
  b.slack.oauthCodes.set(code, w);
  const page = await fetch(`${b.base}/slack/install`, { redirect: 'manual' });
  const html = await page.text();
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const authorize = /href="(https:\/\/slack\.com\/[^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  if (!authorize) throw new Error(`no install link on /slack/install: ${page.status} ${html.slice(0, 200)}`);
  const url = new URL(authorize);
  expect(url.origin + url.pathname).toBe('https://slack.com/oauth/v2/authorize');
  expect(url.searchParams.get('client_id')).toBe('1111.2222');
  expect(url.searchParams.get('scope')).toContain('chat:write');
  const back = await fetch(`${b.base}/slack/oauth_redirect?code=${code}&state=${encodeURIComponent(url.searchParams.get('state')!)}`, {
    headers: { cookie },
    redirect: 'manual',
  });
  return { status: back.status, body: await back.text() };
}

const postsBy = (b: TestBridge, channel: string) =>
  b.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args['channel'] === channel).map((c) => c.auth);

describe('multi-workspace install (OAuth)', () => {
  it('installs two workspaces, answers each with its own token and its own Dify app, keeps tokens encrypted at rest', async () => {
    t = await multiBridge();
    for (const w of WORKSPACES) {
      const done = await install(t, w);
      expect(done.status).toBe(200);
    }
    t.slack.channels.set('C2', { id: 'C2', name: 'globex-general', is_im: false });
    const one = await t.mention('hello from Acme', { channel: 'C1', team: 'T1', botUserId: 'UBOT' });
    const two = await t.mention('hello from Globex', { channel: 'C2', team: 'T2', botUserId: 'UBOT2' });
    await settled(t);
    expect(t.slack.replies('C1', one.ts).map((m) => m.text)).toEqual(['You said: hello from Acme']);
    expect(t.slack.replies('C2', two.ts).map((m) => m.text)).toEqual(['You said: hello from Globex']);
    expect(postsBy(t, 'C1')).toEqual(['Bearer xoxb-acme-111-secret']);
    expect(postsBy(t, 'C2')).toEqual(['Bearer xoxb-globex-222-secret']);
    // Each workspace's own Dify app.
    const keys = t.dify.chatRequests().map((r) => [r.body['query'], r.headers.authorization]);
    expect(keys).toEqual([
      ['hello from Acme', 'Bearer app-support-key-0001'],
      ['hello from Globex', 'Bearer app-sales-key-00001'],
    ]);
    // At rest: sealed records, no token in the database file.
    const db = new Database(join(dir!, 'bridge.db'), { readonly: true });
    const all = db.prepare('SELECT key, value FROM records ORDER BY key').all() as Array<{ key: string; value: string }>;
    db.close();
    // Besides the installations, only each person's recent runs (their App Home), one per workspace.
    expect(all.map((r) => r.key)).toEqual(['history:T1:UALICE', 'history:T2:UALICE', 'installation:T:T1', 'installation:T:T2']);
    const rows = all.filter((r) => r.key.startsWith('installation:'));
    for (const r of rows) expect(r.value).toMatch(/^v1\./);
    const file = readFileSync(join(dir!, 'bridge.db')).toString('latin1') + readFileSync(join(dir!, 'bridge.db-wal')).toString('latin1');
    for (const w of WORKSPACES) expect(file).not.toContain(w.token);
    // …and never in the logs.
    for (const w of WORKSPACES) expect(JSON.stringify(t.logs)).not.toContain(w.token);
  });

  it("refuses a redirect without the install flow's state, and stores nothing", async () => {
    t = await multiBridge();
    t.slack.oauthCodes.set('code-x', { ...WORKSPACES[1]!, token: 'xoxb-never-stored' });
    const res = await fetch(`${t.base}/slack/oauth_redirect?code=code-x&state=forged`, { redirect: 'manual' });
    expect(res.status).not.toBe(200);
    await res.text();
    expect(t.slack.calls.filter((c) => c.method === 'oauth.v2.access')).toHaveLength(0);
  });

  it("deletes a workspace's installation on app_uninstalled and tokens_revoked; it is answered no more", async () => {
    t = await multiBridge();
    for (const w of WORKSPACES) await install(t, w);
    await t.sendEvent({ type: 'app_uninstalled', event_ts: '1.0' }, { teamId: 'T2' });
    await settled(t);
    const db = () => new Database(join(dir!, 'bridge.db'), { readonly: true });
    const keys = () => {
      const d = db();
      const k = (d.prepare('SELECT key FROM records').all() as Array<{ key: string }>).map((r) => r.key);
      d.close();
      return k;
    };
    await t.slack.waitFor(() => !keys().includes('installation:T:T2'), 3000, 'T2 deleted');
    expect(keys()).toEqual(['installation:T:T1']);
    const after = await t.mention('anyone there?', { channel: 'C2', team: 'T2', botUserId: 'UBOT2' });
    await settled(t);
    expect(t.slack.replies('C2', after.ts)).toHaveLength(0);
    expect(t.dify.chatRequests()).toHaveLength(0);

    // A revoked user token changes nothing; a revoked bot token removes the installation.
    await t.sendEvent({ type: 'tokens_revoked', tokens: { oauth: ['UALICE'] }, event_ts: '2.0' }, { teamId: 'T1' });
    await settled(t);
    expect(keys()).toEqual(['installation:T:T1']);
    await t.sendEvent({ type: 'tokens_revoked', tokens: { bot: ['UBOT'] }, event_ts: '3.0' }, { teamId: 'T1' });
    await t.slack.waitFor(() => keys().length === 0, 3000, 'T1 deleted');
  });

  it("finds a run's workspace for Dify's Slack context tools without slack_team_id, after a restart too", async () => {
    const key = 'ext-key-0123456789';
    t = await multiBridge({ EXTENSION_API_KEY: key });
    for (const w of WORKSPACES) await install(t, w);
    const form = ['slack_channel_id', 'slack_thread_ts', 'slack_user_id'].map((variable) => ({ 'text-input': { variable, label: variable, required: false } }));
    t.dify.apps.set('app-sales-key-00001', { mode: 'chat', name: 'Sales', form });
    t.slack.channels.set('C2', { id: 'C2', name: 'globex-sales', is_im: false, topic: { value: 'Deals' }, purpose: { value: '' } });
    await t.mention('how is the pipeline?', { channel: 'C2', team: 'T2', botUserId: 'UBOT2' });
    await settled(t);
    const inputs = t.dify.chatRequests()[0]!.body['inputs'];
    expect(inputs).not.toHaveProperty('slack_team_id');
    const ask = (tool: string, given: unknown = inputs) =>
      fetch(`${t!.base}/api/dify/receive`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ point: 'app.external_data_tool.query', params: { app_id: 'sales-app', tool_variable: tool, inputs: given } }),
      }).then((r) => r.json() as Promise<{ result: string }>);
    expect((await ask('slack_channel')).result).toBe('Channel: #globex-sales\nTopic: Deals');
    // Asked of Slack with the workspace's own token.
    expect(t.slack.callsTo('conversations.info').at(-1)!.auth).toBe('Bearer xoxb-globex-222-secret');
    await t.restart();
    expect((await ask('slack_user')).result).toMatch(/^Name: Alice\n/);
    expect(t.slack.callsTo('users.info').at(-1)!.auth).toBe('Bearer xoxb-globex-222-secret');
    // A channel the bridge never saw in a run: it cannot know the workspace, and says what to declare.
    expect((await ask('slack_channel', { slack_channel_id: 'C999' })).result).toBe('');
    expect(t.logs.some((l) => String(l['msg']).includes('the bridge cannot tell which workspace the run comes from; add slack_team_id as an input'))).toBe(
      true,
    );
  });
});
