import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDify } from '../support/fake-dify.js';
import { FakeSlack } from '../support/fake-slack.js';
import { freePort } from '../support/free-port.js';
import { ENTRY, launchBridge, runEntry } from '../support/run-entry.js';

const { doctor, main } = ENTRY;
const manifest = fileURLToPath(new URL('../../manifest.json', import.meta.url));
const SIGNING = 'doctor-signing-secret-42';
const EXTENSION_KEY = 'doctor-extension-key-42';
let slack: FakeSlack;
let dify: FakeDify;
let cwd: string;

beforeAll(async () => {
  slack = await new FakeSlack().start();
  dify = await new FakeDify().start();
  dify.apps.set('app-workflow-key-000001', {
    mode: 'workflow',
    name: 'Summarize',
    form: [{ 'text-input': { label: 'Text', variable: 'text', required: true } }],
  });
  cwd = mkdtempSync(join(tmpdir(), 'doctor-'));
  port = await freePort();
  // The repository's manifest, with the commands of a configuration that has only /dify.
  const { withSlashCommands } = await import('../../src/slack/manifest-commands.js');
  writeFileSync(
    join(cwd, 'manifest.json'),
    JSON.stringify(withSlashCommands(JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>, { apps: {} }), null, 2),
  );
});
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const c of cleanups) c();
  await slack.close();
  await dify.close();
  rmSync(cwd, { recursive: true, force: true });
});

async function run(entry: string, env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; out: string }> {
  const r = await runEntry(entry, { cwd, env, args });
  return { code: r.code, out: r.stdout + r.stderr };
}

let port: number;
const baseEnv = () => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  SLACK_BOT_TOKEN: slack.token,
  SLACK_SIGNING_SECRET: SIGNING,
  SLACK_API_URL: slack.url,
  DIFY_API_URL: dify.url,
  DIFY_API_KEY: dify.apiKey,
  STORE_URL: `sqlite:${join(cwd, 'bridge.db')}`,
  EXTENSION_API_KEY: EXTENSION_KEY,
});
const secrets = () => [slack.token, SIGNING, dify.apiKey, EXTENSION_KEY, 'app-workflow-key-000001', 'app-unknown-key-0000001', slack.appToken];
const noSecret = (out: string) => {
  for (const s of secrets()) expect(out).not.toContain(s);
};

describe('npm run doctor', () => {
  it('passes every check against working services, and starts nothing', async () => {
    const { code, out } = await run(doctor, baseEnv());
    expect(out).toContain('✓ Slack token: bot user bridge in workspace Fake (T1)');
    expect(out).toMatch(/✓ Slack scopes: all \d+ the enabled features need are granted/);
    expect(out).toContain('✓ HTTP mode: SLACK_SIGNING_SECRET is set');
    expect(out).toContain('✓ Dify app "default" (chat): "Echo chat", mode chat, inputs: none');
    expect(out).toContain('✓ Dify app "default": answers as "Echo chat" with :robot_face: (from Dify\'s WebApp settings)');
    expect(out).toContain(
      "✓ Extension route /api/dify/receive: answers Dify's ping with pong (add it in Dify under Settings → Custom Endpoint, formerly API Extension)",
    );
    expect(out).toMatch(/✓ Store sqlite:\/.*bridge\.db: opens, writes and reads/);
    expect(out).toContain('✓ manifest.json: slash commands /dify match the configuration');
    expect(out).toContain('✓ Routing: mentions and DMs → chat app `default` (DIFY_API_KEY); commands: /dify');
    expect(out).toContain(`✓ PORT ${port} on 127.0.0.1 is free for the bridge`);
    expect(out).toContain('All checks passed.');
    expect(out).not.toContain('✗');
    expect(code).toBe(0);
    noSecret(out);
  });

  it('npm start -- --doctor runs the same checks instead of the bridge', async () => {
    const { code, out } = await run(main, { ...baseEnv(), PORT: '0' }, ['--doctor']);
    expect(out).toContain('All checks passed.');
    expect(out).not.toContain('Dify bridge running');
    expect(code).toBe(0);
  });

  it('says what is wrong with the Dify apps, the store and the manifest, with a fix for each, and exits 1', async () => {
    const config = {
      apps: {
        helpdesk: { type: 'workflow', apiKey: dify.apiKey },
        summarize: { type: 'workflow', apiKey: 'app-workflow-key-000001', command: '/summarize' },
        ghost: { type: 'chat', apiKey: 'app-unknown-key-0000001' },
      },
      chat: { default: 'ghost' },
    };
    writeFileSync(join(cwd, 'bridge.json'), JSON.stringify(config));
    const { DIFY_API_KEY: _unused, ...env } = baseEnv();
    const { code, out } = await run(doctor, {
      ...env,
      BRIDGE_CONFIG: join(cwd, 'bridge.json'),
      STORE_URL: `sqlite:${join(cwd, 'manifest.json', 'bridge.db')}`,
    });
    expect(out).toContain('✗ Dify app "helpdesk" is a chat app in Dify, configured as workflow');
    expect(out).toContain('fix: set "type": "chat" for "helpdesk" in BRIDGE_CONFIG');
    expect(out).toContain('✓ Dify app "summarize" (workflow): "Summarize", mode workflow, inputs: text*');
    expect(out).toContain('✗ Dify rejected the API key of app "ghost"');
    expect(out).toContain(`✗ Store sqlite:${join(cwd, 'manifest.json', 'bridge.db')}`);
    expect(out).toContain('✗ manifest.json lacks /summarize, which the app "summarize" uses');
    expect(out).toContain('fix: run npm run manifest');
    expect(out).toContain('4 checks failed.');
    expect(code).toBe(1);
    noSecret(out);
  });

  it('fails while PORT is taken by another program, and passes while a running bridge holds it', async () => {
    const other = createHttpServer((_req, res) => res.writeHead(404).end('not the bridge'));
    await new Promise<void>((r) => other.listen(port, '127.0.0.1', r));
    try {
      const { code, out } = await run(doctor, baseEnv());
      expect(out).toContain(`✗ PORT ${port} is in use by another program: npm start would stop with "Port ${port} is in use"`);
      expect(out).toContain('fix: set PORT to a free port, or stop what listens there');
      expect(out).not.toContain('All checks passed.');
      expect(code).toBe(1);
    } finally {
      await new Promise((r) => other.close(r));
    }
    const bridgePort = await freePort();
    const bridge = await launchBridge({ ...baseEnv(), PATH: process.env['PATH'] ?? '', PORT: String(bridgePort), STORE_URL: 'memory:' }, bridgePort, cleanups);
    try {
      const { code, out } = await run(doctor, { ...baseEnv(), PORT: String(bridgePort) });
      expect(out).toContain(`✓ PORT ${bridgePort} is taken by a running bridge (its /healthz answers)`);
      expect(code).toBe(0);
    } finally {
      bridge.kill('SIGTERM');
    }
  }, 40_000);

  it('says DIFY_API_URL usually ends in /v1 when Dify answers 404 without it', async () => {
    const base = dify.url.replace(/\/v1$/, '');
    const { code, out } = await run(doctor, { ...baseEnv(), DIFY_API_URL: base });
    expect(out).toContain(`✗ Dify app "default": ${base} does not serve Dify's API (HTTP 404)`);
    expect(out).toContain(`fix: DIFY_API_URL usually ends in /v1 (try ${base}/v1, as on the app's "API Access" page)`);
    expect(code).toBe(1);
  });

  it('reports a rejected Slack token, and Dify out of reach', async () => {
    const { code, out } = await run(doctor, { ...baseEnv(), SLACK_BOT_TOKEN: 'xoxb-wrong-token-123', DIFY_API_URL: 'http://127.0.0.1:9/v1' });
    expect(out).toContain('✗ Slack rejected SLACK_BOT_TOKEN (invalid_auth)');
    expect(out).toContain('fix: copy the Bot User OAuth Token');
    expect(out).toContain('✗ Dify is not reachable for app "default" at http://127.0.0.1:9/v1');
    expect(out).not.toContain('xoxb-wrong-token-123');
    expect(code).toBe(1);
  });

  it('names the feature a missing scope breaks', async () => {
    const granted = slack.grantedScopes;
    slack.grantedScopes = granted.filter((s) => s !== 'files:write' && s !== 'users:read');
    try {
      const { code, out } = await run(doctor, baseEnv());
      expect(out).toContain('✗ Slack scope files:write missing: files Dify produces, uploaded into threads will not work');
      expect(out).toContain('✗ Slack scope users:read missing');
      expect(out).toContain('then reinstall the app');
      expect(code).toBe(1);
    } finally {
      slack.grantedScopes = granted;
    }
  });

  it('without chat:write.customize, notes that answers carry the bot’s name and how to change it, and still passes', async () => {
    const granted = slack.grantedScopes;
    slack.grantedScopes = granted.filter((s) => s !== 'chat:write.customize');
    const site = dify.site;
    dify.site = { icon_type: 'image', icon: 'file-1', icon_url: 'https://dify.example.com/files/file-1/file-preview?timestamp=1&nonce=n&sign=s' };
    try {
      const { code, out } = await run(doctor, baseEnv());
      expect(out).toContain(
        `note: Slack scope chat:write.customize not granted: answers carry the bot's name and icon instead of each app's own name and icon on its answers; to change that, add "chat:write.customize" to oauth_config.scopes.bot`,
      );
      expect(out).toContain('Dify app "default": its icon is a signed Dify file URL that expires');
      expect(out).not.toContain('✗');
      expect(code).toBe(0);
    } finally {
      slack.grantedScopes = granted;
      dify.site = site;
    }
  });

  it('checks the app-level token in Socket Mode', async () => {
    const { code, out } = await run(doctor, { ...baseEnv(), SLACK_APP_TOKEN: 'xapp-1-A1-wrong-token' });
    expect(out).toContain('✗ Socket Mode: the app-level token was refused (invalid_auth)');
    expect(out).not.toContain('xapp-1-A1-wrong-token');
    expect(code).toBe(1);
    slack.socketUrl = 'ws://127.0.0.1:9/socket';
    const ok = await run(doctor, { ...baseEnv(), SLACK_APP_TOKEN: slack.appToken });
    expect(ok.out).toContain('✓ Socket Mode: the app-level token opens a connection');
    expect(ok.code).toBe(0);
    noSecret(ok.out);
  });

  it('lists configuration problems one per line without checking further', async () => {
    const { code, out } = await run(doctor, { SLACK_BOT_TOKEN: 'nope' });
    expect(out).toMatch(/✗ .*SLACK_BOT_TOKEN/);
    expect(out).toMatch(/configuration problem/);
    expect(out).not.toMatch(/^\s+at /m);
    expect(code).toBe(1);
  });

  it('in multi-workspace mode, checks the OAuth client credentials with Slack', async () => {
    const { SLACK_BOT_TOKEN: _t, ...env } = baseEnv();
    const oauth = {
      SLACK_CLIENT_ID: slack.clientId,
      SLACK_CLIENT_SECRET: slack.clientSecret,
      SLACK_STATE_SECRET: 'state-secret-0123456789',
      SLACK_ENCRYPTION_KEY: 'b'.repeat(64),
    };
    const ok = await run(doctor, { ...env, ...oauth });
    expect(ok.out).toContain(`✓ Multi-workspace mode: Slack accepts client id ${slack.clientId} and its secret`);
    expect(ok.code).toBe(0);
    expect(ok.out).not.toContain(slack.clientSecret);
    expect(ok.out).not.toContain('b'.repeat(64));
    const bad = await run(doctor, { ...env, ...oauth, SLACK_CLIENT_SECRET: 'wrong-secret-000' });
    expect(bad.out).toContain('✗ Slack refused the OAuth client credentials (bad_client_secret)');
    expect(bad.code).toBe(1);
  });

  it('passes a manifest whose commands match by name and URL, with only a note for other wording', async () => {
    const config = { apps: { summarize: { type: 'workflow', apiKey: 'app-workflow-key-000001', command: '/summarize' } } };
    writeFileSync(join(cwd, 'bridge.json'), JSON.stringify(config));
    const { withSlashCommands } = await import('../../src/slack/manifest-commands.js');
    const generated = withSlashCommands(JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, any>, config);
    // Someone edited the wording in Slack's settings and exported the manifest again.
    generated['features'].slash_commands[1].description = 'Summarize anything';
    generated['features'].slash_commands[1].usage_hint = '[text]';
    const own = join(cwd, 'own');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'manifest.json'), JSON.stringify(generated));
    const r = await runEntry(doctor, { cwd: own, env: { ...baseEnv(), BRIDGE_CONFIG: join(cwd, 'bridge.json') } });
    const out = r.stdout + r.stderr;
    expect(out).toContain('✓ manifest.json: slash commands /dify, /summarize match the configuration');
    expect(out).toContain(
      '· note: manifest.json: /summarize description is "Summarize anything", npm run manifest would write "Run the Dify workflow app \\"summarize\\"" (cosmetic, nothing breaks)',
    );
    expect(out).toContain('· note: manifest.json: /summarize usage_hint is "[text]"');
    expect(out).not.toContain('✗');
    expect(r.code).toBe(0);

    // What does break: a command pointing elsewhere, one the bridge does not serve, a missing event.
    generated['features'].slash_commands[1].url = 'https://old-host.example.com/slack/events';
    generated['features'].slash_commands.push({ command: '/legacy', description: 'x', url: 'https://bridge.example.com/slack/events' });
    generated['settings'].event_subscriptions.bot_events = generated['settings'].event_subscriptions.bot_events.filter((e: string) => e !== 'message.im');
    writeFileSync(join(own, 'manifest.json'), JSON.stringify(generated));
    const bad = await runEntry(doctor, { cwd: own, env: { ...baseEnv(), BRIDGE_CONFIG: join(cwd, 'bridge.json') } });
    const badOut = bad.stdout + bad.stderr;
    expect(badOut).toContain(
      "✗ manifest.json: /summarize has url https://old-host.example.com/slack/events, expected https://bridge.example.com/slack/events (the bridge's Slack events URL)",
    );
    expect(badOut).toContain('✗ manifest.json has /legacy, which this bridge does not serve');
    expect(badOut).toContain('✗ manifest.json does not subscribe to message.im: direct messages with the bot will not work');
    expect(badOut).toContain('3 checks failed.');
    expect(bad.code).toBe(1);
  });

  it('marks a configuration where no chat app answers mentions, and what to set', async () => {
    writeFileSync(
      join(cwd, 'bridge.json'),
      JSON.stringify({
        apps: { sales: { type: 'chat', apiKey: dify.apiKey }, hr: { type: 'chat', apiKey: dify.apiKey } },
        chat: { channels: { C0123: 'sales' } },
      }),
    );
    const { DIFY_API_KEY: _unused, ...env } = baseEnv();
    const { code, out } = await run(doctor, { ...env, BRIDGE_CONFIG: join(cwd, 'bridge.json') });
    expect(out).toContain(
      '✗ Routing: mentions and DMs → no chat app; #C0123 → `sales`; commands: /dify; no chat app answers mentions and DMs outside the routed channels',
    );
    expect(out).toContain('fix: set "chat": {"default": "sales"} in BRIDGE_CONFIG');
    expect(code).toBe(1);
  });

  it("says which Slack context tools a chat app's slack_* inputs serve", async () => {
    dify.apps.set('app-context-key-0000001', {
      mode: 'advanced-chat',
      name: 'Ctx',
      form: [
        { 'text-input': { label: 'Channel', variable: 'slack_channel_id', required: false } },
        { 'text-input': { label: 'User', variable: 'slack_user_id', required: false } },
      ],
    });
    writeFileSync(join(cwd, 'bridge.json'), JSON.stringify({ apps: { ctx: { type: 'chat', apiKey: 'app-context-key-0000001' } } }));
    const { DIFY_API_KEY: _unused, ...env } = baseEnv();
    const { code, out } = await run(doctor, { ...env, BRIDGE_CONFIG: join(cwd, 'bridge.json') });
    expect(out).toContain('· note: Dify app "ctx": Slack context tools with its inputs: slack_thread ✗ (needs slack_thread_ts), slack_user ✓, slack_channel ✓');
    expect(code).toBe(0);
  });

  it('prints the effective access policy per app, and flags a user group Slack does not know, or cannot read on a free plan', async () => {
    slack.userGroups.set('S0SUP', { handle: 'support', users: ['UALICE'] });
    const granted = slack.grantedScopes;
    slack.grantedScopes = [...granted, 'usergroups:read'];
    const own = mkdtempSync(join(tmpdir(), 'doctor-policy-'));
    writeFileSync(join(own, 'manifest.json'), readFileSync(join(cwd, 'manifest.json')));
    writeFileSync(
      join(own, 'bridge.json'),
      JSON.stringify({
        apps: {
          default: {
            type: 'chat',
            apiKey: dify.apiKey,
            access: { users: ['UALICE'], userGroups: ['@support', '@nope'], channels: ['C1'] },
            limits: { perUser: '30/hour' },
          },
          summarize: { type: 'workflow', apiKey: 'app-workflow-key-000001' },
        },
        dms: false,
        limits: { perChannel: '200/day' },
      }),
    );
    const env = { ...baseEnv(), BRIDGE_CONFIG: join(own, 'bridge.json'), STORE_URL: `sqlite:${join(own, 'bridge.db')}` };
    const r = await runEntry(doctor, { cwd: own, env });
    const out = r.stdout + r.stderr;
    expect(out).toContain('✓ Access: DMs off (a DM gets one line saying where to ask); every app at most 200/day per channel');
    expect(out).toContain('✓ Access to default: only UALICE, @support, @nope; in C1; no guests; no one from other organisations; at most 30/hour per person');
    expect(out).toContain('✓ Access to summarize: everyone in the workspace (guests and people from other organisations too)');
    expect(out).toContain('✗ User group @nope does not exist in this workspace: nobody gets in through it');
    expect(r.code).toBe(1);
    slack.freePlan = true;
    const free = await runEntry(doctor, { cwd: own, env });
    slack.freePlan = false;
    expect(free.stdout + free.stderr).toContain('✗ User groups need a paid Slack plan (usergroups.list answered plan_upgrade_required)');
    // Without the scope, the doctor says which one and why.
    slack.grantedScopes = granted;
    const noScope = await runEntry(doctor, { cwd: own, env });
    expect(noScope.stdout + noScope.stderr).toContain(
      '✗ Slack scope usergroups:read missing: user groups in access rules and as approvers of Human Input forms will not work',
    );
    rmSync(own, { recursive: true, force: true });
  });
});
