import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'secret', DIFY_API_KEY: 'app-key' };
const files = (content: Record<string, string>) => (path: string) => {
  if (!(path in content)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return content[path]!;
};

function problems(env: Record<string, string>, read?: (p: string) => string): string[] {
  const r = loadConfig(env, read);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
}

describe('loadConfig', () => {
  it('builds a one-app config from DIFY_API_KEY alone, with defaults', () => {
    const r = loadConfig(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.dify.apps).toEqual({ default: { type: 'chat', apiKey: 'app-key', apiUrl: 'https://api.dify.ai/v1' } });
    expect(r.config.chat.default).toBe('default');
    expect(r.config.server).toEqual({ port: 3000, host: '0.0.0.0' });
    expect(r.config.store.url).toBe('sqlite:./data/bridge.db');
    expect(r.config.stream).toMatchObject({ mode: 'auto', intervalMs: 1000 });
    expect(r.config.extension.path).toBe('/api/dify/receive');
  });

  it('reports every problem on its own line, saying where, what and what is expected', () => {
    const list = problems({ SLACK_BOT_TOKEN: 'xoxp-user', PORT: 'eighty', STREAM_MODE: 'fast', STORE_URL: 'postgres://x', DIFY_API_URL: 'api.dify.ai' });
    expect(list).toEqual([
      'SLACK_BOT_TOKEN: does not look like a bot token (expected a value starting with xoxb-)',
      'DIFY_API_URL: "api.dify.ai" is not a valid URL (expected the Dify Service API base, e.g. https://api.dify.ai/v1, starting with http:// or https://)',
      'PORT: "eighty" must be a whole number (expected a TCP port)',
      'STORE_URL: "postgres://x" is not a supported store (expected sqlite:PATH, redis://HOST:PORT or memory:)',
      'STREAM_MODE: "fast" is not a stream mode (expected auto, native, edit or off)',
      'SLACK_SIGNING_SECRET: is not set (expected the signing secret from Basic Information; or set SLACK_APP_TOKEN for Socket Mode)',
      'DIFY_API_KEY: is not set (expected a Dify chat app API key, or BRIDGE_CONFIG naming your apps)',
    ]);
  });

  it('requires the signing secret in HTTP mode, not in Socket Mode', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', DIFY_API_KEY: 'k' })).toEqual([
      'SLACK_SIGNING_SECRET: is not set (expected the signing secret from Basic Information; or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', DIFY_API_KEY: 'k' }).ok).toBe(true);
  });

  it('asks for a Dify app when none is configured, and for the bot token when it is missing', () => {
    expect(problems({ SLACK_SIGNING_SECRET: 's', DIFY_API_KEY: 'k' })).toEqual([
      'SLACK_BOT_TOKEN: is not set (expected the bot token from OAuth & Permissions, starting with xoxb-; or SLACK_CLIENT_ID and friends for several workspaces)',
    ]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual([
      'DIFY_API_KEY: is not set (expected a Dify chat app API key, or BRIDGE_CONFIG naming your apps)',
    ]);
  });

  it('multi-workspace mode: all four OAuth variables, a 32-byte key, no bot token, workspaces naming chat apps', () => {
    const { SLACK_BOT_TOKEN: _t, ...noToken } = base;
    const oauth = {
      SLACK_CLIENT_ID: '123.456',
      SLACK_CLIENT_SECRET: 'client-secret-1',
      SLACK_STATE_SECRET: 'state-secret-0123456789',
      SLACK_ENCRYPTION_KEY: 'a'.repeat(64),
    };
    const ok = loadConfig({ ...noToken, ...oauth });
    expect(ok.ok && ok.config.slack.oauth?.encryptionKey.length).toBe(32);
    expect(ok.ok && ok.config.slack.botToken).toBe(undefined);
    const b64 = loadConfig({ ...noToken, ...oauth, SLACK_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(b64.ok).toBe(true);
    expect(problems({ ...noToken, SLACK_CLIENT_ID: '123.456', SLACK_ENCRYPTION_KEY: 'short' })).toEqual([
      'SLACK_ENCRYPTION_KEY: is not a 32-byte key (expected 64 hex characters or base64, e.g. from: openssl rand -base64 32)',
      'SLACK_CLIENT_SECRET: is not set (multi-workspace mode needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_ENCRYPTION_KEY)',
      'SLACK_STATE_SECRET: is not set (multi-workspace mode needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_ENCRYPTION_KEY)',
    ]);
    expect(problems({ ...base, ...oauth })).toEqual([
      'SLACK_BOT_TOKEN: is set together with SLACK_CLIENT_ID (expected one: a bot token for one workspace, or the OAuth variables for many)',
    ]);
    const file = JSON.stringify({
      apps: { a: { type: 'chat', apiKey: 'k' }, w: { type: 'workflow', apiKey: 'k' } },
      workspaces: { T2: { chat: { default: 'w' } }, bad: { chat: {} } },
    });
    expect(loadConfig({ ...noToken, ...oauth, BRIDGE_CONFIG: 'b.json' }, () => file).ok).toBe(false);
    expect(problems({ ...noToken, ...oauth, BRIDGE_CONFIG: 'b.json' }, () => file)).toEqual([
      'BRIDGE_CONFIG workspaces.bad: workspace keys are Slack team ids (T…)',
    ]);
    const good = JSON.stringify({
      apps: { a: { type: 'chat', apiKey: 'k' }, b: { type: 'chat', apiKey: 'k2' }, w: { type: 'workflow', apiKey: 'k' } },
      chat: { default: 'a' },
      workspaces: { T2: { chat: { default: 'w' } } },
    });
    expect(problems({ ...noToken, ...oauth, BRIDGE_CONFIG: 'b.json' }, () => good)).toEqual([
      'BRIDGE_CONFIG workspaces.T2.chat.default: "w" is a workflow app (expected a chat app)',
    ]);
    const fine = loadConfig({ ...noToken, ...oauth, BRIDGE_CONFIG: 'b.json' }, () => good.replace('"default":"w"', '"default":"b"'));
    expect(fine.ok && fine.config.workspaces).toEqual({
      T2: { chat: { default: 'b', channels: {}, respondAll: [], noThreadContext: [], privateAnswers: [] } },
    });
  });

  it('treats empty values (as left in a copied .env) as unset', () => {
    const r = loadConfig({ ...base, SLACK_APP_TOKEN: '', PORT: '', EXTENSION_API_KEY: '' });
    expect(r.ok).toBe(true);
  });

  it('reads apps and routes from BRIDGE_CONFIG, with ${VAR} from the environment', () => {
    const file = JSON.stringify({
      apps: {
        helpdesk: { type: 'chat', apiKey: '${HELPDESK_KEY}', description: 'Answers IT questions' },
        summarize: { type: 'workflow', apiKey: '${SUMMARIZE_KEY}', apiUrl: 'https://dify.example.com/v1/' },
        other: { type: 'chat', apiKey: 'app-other' },
      },
      chat: { default: 'helpdesk', channels: { C0123: 'other' } },
    });
    const r = loadConfig(
      { ...base, DIFY_API_KEY: '', BRIDGE_CONFIG: 'bridge.json', HELPDESK_KEY: 'app-h', SUMMARIZE_KEY: 'app-s' },
      files({ 'bridge.json': file }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.dify.apps['helpdesk']).toEqual({ type: 'chat', apiKey: 'app-h', apiUrl: 'https://api.dify.ai/v1', description: 'Answers IT questions' });
    expect(r.config.dify.apps['summarize']!.apiUrl).toBe('https://dify.example.com/v1');
    expect(r.config.chat).toEqual({
      default: 'helpdesk',
      defaultSource: 'chat.default',
      channels: { C0123: 'other' },
      respondAll: [],
      noThreadContext: [],
      privateAnswers: [],
    });
  });

  it('explains BRIDGE_CONFIG mistakes one per line', () => {
    const file = JSON.stringify({
      apps: { helpdesk: { type: 'chatbot', apiKey: '${MISSING_KEY}' }, flow: { type: 'workflow', apiKey: 'k', extra: 1 } },
      chat: { default: 'flow', channels: { C1: 'nope' } },
    });
    expect(problems({ ...base, BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': file }))).toEqual([
      'BRIDGE_CONFIG apps.helpdesk.apiKey: ${MISSING_KEY} is not set in the environment (expected MISSING_KEY to hold the value)',
      'BRIDGE_CONFIG apps.helpdesk.type: "chatbot" is not an app type (expected chat, workflow or completion)',
      'BRIDGE_CONFIG apps.flow: unknown key extra',
    ]);
    expect(
      problems(
        { ...base, BRIDGE_CONFIG: 'b.json' },
        files({ 'b.json': '{"apps": {"flow": {"type": "workflow", "apiKey": "k"}}, "chat": {"default": "flow", "channels": {"C1": "nope"}}}' }),
      ),
    ).toEqual([
      'BRIDGE_CONFIG chat.default: "flow" is a workflow app (expected a chat app)',
      'BRIDGE_CONFIG chat.channels.C1: "nope" is not an app in "apps" (expected one of flow, default)',
    ]);
    // A summarizer that is not a chat app, a persona that is not one, an icon that is not a URL.
    expect(
      problems(
        { ...base, BRIDGE_CONFIG: 'b.json' },
        files({
          'b.json': JSON.stringify({
            apps: {
              flow: { type: 'workflow', apiKey: 'k', persona: 'Bot' },
              c: { type: 'chat', apiKey: 'k2', persona: { iconUrl: 'ftp://x', iconEmoji: 'robot' } },
            },
            shortcuts: { summarize: 'flow' },
          }),
        }),
      ),
    ).toEqual([
      'BRIDGE_CONFIG apps.flow.persona: "Bot" is not false or {"name": "…", "iconUrl": "https://…"}',
      'BRIDGE_CONFIG apps.c.persona.iconUrl: "ftp://x" is not a valid URL (expected an https URL of a square image Slack can fetch, starting with http:// or https://)',
      'BRIDGE_CONFIG apps.c.persona.iconEmoji: "robot" is not a Slack emoji name (":robot_face:")',
    ]);
    expect(
      problems(
        { ...base, BRIDGE_CONFIG: 'b.json' },
        files({ 'b.json': JSON.stringify({ apps: { flow: { type: 'workflow', apiKey: 'k' } }, shortcuts: { summarize: 'flow' } }) }),
      ),
    ).toEqual(['BRIDGE_CONFIG shortcuts.summarize: "flow" is a workflow app (expected a chat app)']);
    expect(problems({ ...base, BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': '{"apps": ' }))).toEqual([
      'BRIDGE_CONFIG b.json: is not valid JSON: line 1, column 10: the file ends before the JSON does',
    ]);
    // A trailing comma, where an editor shows it: line and column, not a character offset.
    expect(problems({ ...base, BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': '{\n  "apps": {\n    "a": {"type": "chat", "apiKey": "k"},\n  }\n}' }))).toEqual([
      'BRIDGE_CONFIG b.json: is not valid JSON: line 4, column 3: Expected double-quoted property name',
    ]);
    expect(problems({ ...base, BRIDGE_CONFIG: 'missing.json' }, files({}))).toEqual([
      'BRIDGE_CONFIG missing.json: cannot be read (expected a readable JSON file)',
    ]);
  });

  it('reads workflowStep for workflow apps, and says what is wrong with one elsewhere', () => {
    const ok = loadConfig(
      { ...base, BRIDGE_CONFIG: 'b.json' },
      files({
        'b.json': JSON.stringify({
          apps: {
            r: { type: 'workflow', apiKey: 'k', workflowStep: { outputs: { score: 'number' } } },
            s: { type: 'workflow', apiKey: 'k', workflowStep: true },
          },
        }),
      }),
    );
    expect(ok.ok && [ok.config.dify.apps['r']?.workflowStep, ok.config.dify.apps['s']?.workflowStep]).toEqual([{ outputs: { score: 'number' } }, {}]);
    const apps = {
      c: { type: 'chat', apiKey: 'k', workflowStep: true },
      w: { type: 'workflow', apiKey: 'k', workflowStep: { outputs: { text: 'string', n: 'float' } } },
    };
    expect(problems({ ...base, BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': JSON.stringify({ apps }) }))).toEqual([
      'BRIDGE_CONFIG apps.w.workflowStep.outputs.n: "float" is not an output type (expected string, number, integer or boolean)',
    ]);
    apps.w.workflowStep.outputs = { text: 'string' } as never;
    expect(problems({ ...base, BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': JSON.stringify({ apps }) }))).toEqual([
      'BRIDGE_CONFIG apps.w.workflowStep.outputs: names text or run_id, which every step already hands on',
    ]);
    delete (apps as Record<string, unknown>)['w'];
    expect(problems({ ...base, BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': JSON.stringify({ apps }) }))).toEqual([
      'BRIDGE_CONFIG apps.c.workflowStep: "c" is a chat app (only workflow apps can be Workflow Builder steps)',
    ]);
  });

  it('says where the default chat app comes from, and the routing in one line', async () => {
    const { describeRouting } = await import('../../src/config/routing.js');
    const envOnly = loadConfig(base);
    expect(envOnly.ok && describeRouting(envOnly.config)).toEqual({ line: 'mentions and DMs → chat app `default` (DIFY_API_KEY); commands: /dify' });
    const file = JSON.stringify({
      apps: { sales: { type: 'chat', apiKey: 'k' }, summarize: { type: 'workflow', apiKey: 'k', command: '/summarize' } },
      chat: { channels: { C0123: 'sales' } },
    });
    const withKey = loadConfig({ ...base, BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': file }));
    expect(withKey.ok && describeRouting(withKey.config).line).toBe(
      'mentions and DMs → chat app `default` (DIFY_API_KEY); #C0123 → `sales`; commands: /dify, /summarize',
    );
    // Several chat apps, no chat.default, no DIFY_API_KEY: nobody answers outside #C0123.
    const two = JSON.stringify({ apps: { sales: { type: 'chat', apiKey: 'k' }, hr: { type: 'chat', apiKey: 'k2' } }, chat: { channels: { C0123: 'sales' } } });
    const none = loadConfig({ ...base, DIFY_API_KEY: '', BRIDGE_CONFIG: 'b.json' }, files({ 'b.json': two }));
    expect(none.ok).toBe(true);
    if (!none.ok) return;
    const routing = describeRouting(none.config);
    expect(routing.line).toBe('mentions and DMs → no chat app; #C0123 → `sales`; commands: /dify');
    expect(routing.problem?.what).toBe('no chat app answers mentions and DMs outside the routed channels: 2 chat apps (sales, hr) and no chat.default');
    expect(routing.problem?.fix).toBe('set "chat": {"default": "sales"} in BRIDGE_CONFIG (or DIFY_API_KEY for a chat app of its own)');
    const only = loadConfig(
      { ...base, DIFY_API_KEY: '', BRIDGE_CONFIG: 'b.json' },
      files({ 'b.json': JSON.stringify({ apps: { hr: { type: 'chat', apiKey: 'k' } } }) }),
    );
    expect(only.ok && describeRouting(only.config)).toEqual({ line: 'mentions and DMs → chat app `hr` (the only chat app); commands: /dify' });
  });
});
