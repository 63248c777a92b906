import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { manifestSchemaV1 } from '../support/manifest-schema.js';

const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as Record<string, any>;

describe('manifest.json', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(manifestSchemaV1);

  it('is valid under the rules of Slack\'s manifest schema (v1)', () => {
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
    expect(SCOPE_NEEDS.map((n) => n.scope).filter((s) => !scopes.includes(s))).toEqual([]);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toContain('/dify');
  });
});

describe('manifest.json and the example configuration', () => {
  it('has the slash commands the example configuration declares (npm run manifest keeps them in step)', async () => {
    const { bridgeFileSchema, loadConfig } = await import('../../src/config/load.js');
    const { withSlashCommands } = await import('../../src/slack/manifest-commands.js');
    const example = readFileSync(new URL('../../examples/bridge.config.json', import.meta.url), 'utf8');
    const config = bridgeFileSchema.parse(JSON.parse(example));
    expect(withSlashCommands(manifest, config)).toEqual(manifest);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/dify', '/summarize']);
    // And the example is a configuration the bridge accepts.
    const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', BRIDGE_CONFIG: 'example.json', DIFY_HELPDESK_KEY: 'a', DIFY_SUMMARIZE_KEY: 'b', DIFY_WRITER_KEY: 'c' };
    expect(loadConfig(env, () => example).ok).toBe(true);
  });

  it('a new app command shows up in the regenerated manifest', async () => {
    const { withSlashCommands } = await import('../../src/slack/manifest-commands.js');
    const next = withSlashCommands(manifest, { apps: { tr: { type: 'workflow', apiKey: 'k', command: '/translate', description: 'Translates' } } });
    expect(next.features.slash_commands).toEqual([
      { command: '/dify', url: 'https://bridge.example.com/slack/events', description: 'Run a Dify workflow or completion app, or list the apps', usage_hint: '[app] [text] [key=value …]', should_escape: false },
      { command: '/translate', url: 'https://bridge.example.com/slack/events', description: 'Run the Dify workflow app "tr": Translates', usage_hint: '[text] [key=value …]', should_escape: false },
    ]);
  });
});
