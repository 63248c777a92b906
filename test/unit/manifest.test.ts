import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { manifestSchemaV1 } from '../support/manifest-schema.js';

const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as Record<string, any>;

describe('manifest.json', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(manifestSchemaV1);

  it("is valid under the rules of Slack's manifest schema (v1)", () => {
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check can fail: it rejects unknown keys, a long name and a command without a slash', () => {
    expect(validate({ ...manifest, unknown_key: 1 })).toBe(false);
    expect(validate({ ...manifest, display_information: { name: 'x'.repeat(36) } })).toBe(false);
    const commands = [{ command: 'dify', description: 'x' }];
    expect(validate({ ...manifest, features: { ...manifest.features, slash_commands: commands } })).toBe(false);
    expect(validate({ ...manifest, features: { ...manifest.features, agent_view: { agent_description: 'x'.repeat(301) } } })).toBe(false);
  });

  it('subscribes to the events the bridge handles, with the scopes they need', () => {
    const events: string[] = manifest.settings.event_subscriptions.bot_events;
    const scopes: string[] = manifest.oauth_config.scopes.bot;
    const needs: Record<string, string> = {
      app_mention: 'app_mentions:read',
      'message.channels': 'channels:history',
      'message.groups': 'groups:history',
      'message.im': 'im:history',
      'message.mpim': 'mpim:history',
    };
    for (const [event, scope] of Object.entries(needs)) {
      expect(events).toContain(event);
      expect(scopes).toContain(scope);
    }
    expect(scopes).toContain('chat:write');
    expect(scopes).toContain('commands');
    expect(scopes).toContain('files:read'); // files attached in input forms
    expect(scopes).toContain('files:write'); // workflow output files
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    // Slack's agent experience: native streams get Slack's own stop button, which reports back
    // with agent_session_stopped (without the subscription the user sees a spinner they cannot stop).
    expect(manifest.features.agent_view.agent_description.length).toBeGreaterThan(0);
    expect(scopes).toContain('assistant:write');
    expect(events).toContain('agent_session_stopped');
    expect(events).toContain('app_home_opened');
  });

  it('asks for every scope a feature of the bridge uses (the doctor checks tokens against the same list)', async () => {
    const { SCOPE_NEEDS } = await import('../../src/ops/scope-needs.js');
    const scopes: string[] = manifest.oauth_config.scopes.bot;
    expect(
      SCOPE_NEEDS.filter((n) => n.optional !== true)
        .map((n) => n.scope)
        .filter((s) => !scopes.includes(s)),
    ).toEqual([]);
    // Optional scopes are asked for only by configurations that use them (npm run manifest adds them).
    expect(
      SCOPE_NEEDS.filter((n) => n.optional === true)
        .map((n) => n.scope)
        .filter((s) => scopes.includes(s)),
    ).toEqual([]);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toContain('/dify');
  });
});

describe('manifest.json and npm run manifest', () => {
  it("has exactly what the default configuration needs: /dify and no app's own command", async () => {
    const { withSlashCommands } = await import('../../src/slack/manifest-commands.js');
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/dify']);
    expect(withSlashCommands(manifest, { apps: {} })).toEqual(manifest);
  });

  it("writes the example configuration's commands into a manifest of one's own, and --check then passes", async () => {
    const { ENTRY, runEntry } = await import('../support/run-entry.js');
    const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
    const own = join(dir, 'manifest.json');
    copyFileSync(new URL('../../manifest.json', import.meta.url), own);
    const example = fileURLToPath(new URL('../../examples/bridge.config.json', import.meta.url));
    const before = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [example, '--manifest', own, '--check'] });
    expect(before.code).toBe(1);
    expect(before.stderr).toContain(`✗ ${own}'s slash commands or scopes differ from ${example}`);
    const write = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [example, '--manifest', own] });
    expect(write.code).toBe(0);
    expect(write.stdout).toContain(`✓ ${own} now has /dify, /summarize`);
    const written = JSON.parse(readFileSync(own, 'utf8')) as Record<string, any>;
    expect(written.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/dify', '/summarize']);
    expect(written.features.slash_commands[1].url).toBe('https://bridge.example.com/slack/events');
    const after = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [example, '--manifest', own, '--check'] });
    expect(after.stdout).toContain(`✓ ${own} matches ${example}`);
    expect(after.code).toBe(0);
    // And the example is a configuration the bridge accepts.
    const { loadConfig } = await import('../../src/config/load.js');
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      BRIDGE_CONFIG: 'example.json',
      DIFY_HELPDESK_KEY: 'a',
      DIFY_SUMMARIZE_KEY: 'b',
      DIFY_WRITER_KEY: 'c',
    };
    expect(loadConfig(env, () => readFileSync(example, 'utf8')).ok).toBe(true);
  }, 30_000);

  it('asks for usergroups:read only when the configuration names a user group', async () => {
    const { ENTRY, runEntry } = await import('../support/run-entry.js');
    const dir = mkdtempSync(join(tmpdir(), 'manifest-groups-'));
    const own = join(dir, 'manifest.json');
    copyFileSync(new URL('../../manifest.json', import.meta.url), own);
    const config = join(dir, 'bridge.json');
    const scopes = () => (JSON.parse(readFileSync(own, 'utf8')) as { oauth_config: { scopes: { bot: string[] } } }).oauth_config.scopes.bot;
    writeFileSync(config, JSON.stringify({ apps: { a: { type: 'chat', apiKey: 'k', access: { userGroups: ['@oncall'] } } } }));
    expect((await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [config, '--manifest', own] })).code).toBe(0);
    expect(scopes()).toContain('usergroups:read');
    writeFileSync(config, JSON.stringify({ apps: { a: { type: 'workflow', apiKey: 'k', humanInput: { approvers: ['S0123'] } } } }));
    expect((await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [config, '--manifest', own, '--check'] })).code).toBe(0);
    writeFileSync(config, JSON.stringify({ apps: { a: { type: 'chat', apiKey: 'k', access: { users: ['U0123'] } } } }));
    const check = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [config, '--manifest', own, '--check'] });
    expect(check.code).toBe(1);
    expect((await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [config, '--manifest', own] })).code).toBe(0);
    expect(scopes()).not.toContain('usergroups:read');
  }, 30_000);

  it('a new app command shows up in the regenerated manifest', async () => {
    const { withSlashCommands } = await import('../../src/slack/manifest-commands.js');
    const next = withSlashCommands(manifest, { apps: { tr: { type: 'workflow', command: '/translate', description: 'Translates' } } });
    expect(next.features.slash_commands).toEqual([
      {
        command: '/dify',
        url: 'https://bridge.example.com/slack/events',
        description: 'Run a Dify workflow or completion app, or list the apps',
        usage_hint: '[app] [text] [key=value …]',
        should_escape: false,
      },
      {
        command: '/translate',
        url: 'https://bridge.example.com/slack/events',
        description: 'Run the Dify workflow app "tr": Translates',
        usage_hint: '[text] [key=value …]',
        should_escape: false,
      },
    ]);
  });
});
