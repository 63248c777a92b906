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
    expect(before.stderr).toContain(`✗ ${own}'s slash commands, shortcuts, steps or scopes differ from ${example}`);
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

describe('Workflow Builder steps in the manifest (npm run manifest)', () => {
  it("writes each step app's custom step from its form in Dify, valid as Slack's schema says; removing the step removes it", async () => {
    const { ENTRY, runEntry } = await import('../support/run-entry.js');
    const { FakeDify } = await import('../support/fake-dify.js');
    const { functionsErrors } = await import('../support/manifest-schema.js');
    const dify = await new FakeDify().start();
    try {
      dify.apps.set('app-refunds', {
        mode: 'workflow',
        name: 'Refund check',
        description: 'Checks a refund request',
        form: [
          { 'text-input': { variable: 'order', label: 'Order', required: true, max_length: 12 } },
          { select: { variable: 'tone', label: 'Tone', required: false, options: ['formal', 'casual'] } },
          { number: { variable: 'amount', label: 'Amount', required: false } },
          { file: { variable: 'receipt', label: 'Receipt', required: false } },
        ],
      });
      const dir = mkdtempSync(join(tmpdir(), 'manifest-steps-'));
      const own = join(dir, 'manifest.json');
      copyFileSync(new URL('../../manifest.json', import.meta.url), own);
      const config = join(dir, 'bridge.json');
      const app = { type: 'workflow', apiKey: '${REFUNDS_KEY}', workflowStep: { title: 'Check a refund', outputs: { score: 'number' } } };
      writeFileSync(config, JSON.stringify({ apps: { refunds: app } }));
      const env = { DIFY_API_URL: dify.url, REFUNDS_KEY: 'app-refunds' };
      const write = await runEntry(ENTRY.manifest, { cwd: dir, env, args: [config, '--manifest', own] });
      expect(write.stderr).toBe('');
      expect(write.stdout).toContain('and the Workflow Builder step "Check a refund"');
      const written = JSON.parse(readFileSync(own, 'utf8')) as Record<string, any>;
      const ajv = new Ajv({ allErrors: true, strict: false });
      const validate = ajv.compile(manifestSchemaV1);
      expect(validate(written) ? [] : validate.errors).toEqual([]);
      expect(functionsErrors(written.functions)).toEqual([]);
      expect(written.functions.dify_refunds).toEqual({
        title: 'Check a refund',
        description: 'Checks a refund request',
        input_parameters: {
          properties: {
            order: { type: 'string', title: 'Order', maxLength: 12 },
            tone: { type: 'string', title: 'Tone', description: 'One of: formal, casual' },
            amount: { type: 'number', title: 'Amount' },
            receipt: { type: 'slack#/types/file_id', title: 'Receipt', description: 'A file, handed to the Dify workflow' },
            run_for: expect.objectContaining({ type: 'slack#/types/user_id', title: 'Run for' }),
            ask_in: expect.objectContaining({ type: 'slack#/types/channel_id', title: 'Ask in' }),
          },
          required: ['order'],
        },
        output_parameters: {
          properties: {
            text: expect.objectContaining({ type: 'string' }),
            run_id: expect.objectContaining({ type: 'string' }),
            score: { type: 'number', title: 'score' },
          },
          required: ['text'],
        },
      });
      // What Slack requires of an app with custom steps.
      expect(written.settings.org_deploy_enabled).toBe(true);
      expect(written.settings.function_runtime).toBe('remote');
      expect(written.settings.event_subscriptions.bot_events).toContain('function_executed');
      expect(written.oauth_config.scopes.bot).toContain('im:write');
      expect((await runEntry(ENTRY.manifest, { cwd: dir, env, args: [config, '--manifest', own, '--check'] })).code).toBe(0);
      // The schema check can fail: an unknown parameter type, a required input that is not one.
      const broken = structuredClone(written);
      broken.functions.dify_refunds.input_parameters.properties.order.type = 'slack#/types/order';
      expect(validate(broken)).toBe(false);
      broken.functions.dify_refunds.input_parameters.required = ['nope'];
      expect(functionsErrors(broken.functions)).toEqual(['functions.dify_refunds.input_parameters.required names nope, not a property']);
      // Without the step, the manifest goes back to having none.
      writeFileSync(config, JSON.stringify({ apps: { refunds: { type: 'workflow', apiKey: 'k' } } }));
      expect((await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [config, '--manifest', own] })).code).toBe(0);
      const back = JSON.parse(readFileSync(own, 'utf8')) as Record<string, any>;
      expect(back.functions).toBeUndefined();
      expect(back.settings.event_subscriptions.bot_events).not.toContain('function_executed');
      expect(back.oauth_config.scopes.bot).not.toContain('im:write');
    } finally {
      await dify.close();
    }
  }, 30_000);

  it('says in one line per app when Dify cannot describe a step app, and writes nothing', async () => {
    const { ENTRY, runEntry } = await import('../support/run-entry.js');
    const dir = mkdtempSync(join(tmpdir(), 'manifest-steps-down-'));
    const own = join(dir, 'manifest.json');
    copyFileSync(new URL('../../manifest.json', import.meta.url), own);
    const before = readFileSync(own, 'utf8');
    const config = join(dir, 'bridge.json');
    writeFileSync(config, JSON.stringify({ apps: { refunds: { type: 'workflow', apiKey: '${REFUNDS_KEY}', workflowStep: true } } }));
    const unset = await runEntry(ENTRY.manifest, { cwd: dir, env: {}, args: [config, '--manifest', own] });
    expect(unset.code).toBe(1);
    expect(unset.stderr.trim()).toBe(
      '✗ BRIDGE_CONFIG apps.refunds.apiKey: ${REFUNDS_KEY} is not set in the environment (expected REFUNDS_KEY to hold the value)',
    );
    const down = await runEntry(ENTRY.manifest, {
      cwd: dir,
      env: { REFUNDS_KEY: 'k', DIFY_API_URL: 'http://127.0.0.1:9/v1' },
      args: [config, '--manifest', own],
    });
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toContain("✗ apps.refunds: could not read the workflow's inputs from Dify at http://127.0.0.1:9/v1");
    expect(readFileSync(own, 'utf8')).toBe(before);
  }, 30_000);
});
